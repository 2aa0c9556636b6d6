from __future__ import annotations

import json
import math
import threading
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from harness.core.records import (
    COLUMNS,
    Record,
    RecordValidationError,
    content_hash,
    read_records,
    to_frame,
    write_records,
)


def _rec(item_id: str = "q1", **kw: object) -> dict[str, object]:
    base: dict[str, object] = {
        "item_id": item_id,
        "benchmark": "synth_mini",
        "task": "harness_synth_mini",
        "model": "tiny",
        "response": "<answer>red</answer>",
        "target": "red",
        "score": 1.0,
    }
    base.update(kw)
    return base


@pytest.mark.parametrize("suffix", [".parquet", ".jsonl"])
def test_round_trip_keeps_every_field(tmp_path: Path, suffix: str) -> None:
    rec = Record(
        item_id="a",
        benchmark="b",
        task="t",
        model="m",
        response="r",
        target="x",
        score=0.5,
        pism_curve=[1.0, 0.5, 0.0],
        pism_tier="hard",
        seed=3,
        cluster="fig1",
        meta=json.dumps({"skill": "count"}),
    )
    path = write_records([rec, _rec("b", score=None)], tmp_path / f"r{suffix}")
    df = read_records(path)
    assert list(df.columns) == list(COLUMNS)
    row = df.iloc[0]
    assert row.item_id == "a" and list(row.pism_curve) == [1.0, 0.5, 0.0]
    assert row.seed == 3 and row.pism_tier == "hard" and json.loads(row.meta) == {"skill": "count"}
    # An unscored item stays unscored (None/NaN on read), it is not turned into 0.
    assert math.isnan(df.iloc[1].score)


def test_missing_required_field_names_the_item() -> None:
    bad = _rec("q7")
    del bad["target"]
    with pytest.raises(RecordValidationError, match=r"item_id='q7': missing field 'target'"):
        to_frame([_rec("q1"), bad])


def test_missing_score_key_is_an_error_but_none_is_allowed() -> None:
    bad = _rec("q2")
    del bad["score"]
    with pytest.raises(RecordValidationError, match=r"item_id='q2': missing field 'score'"):
        to_frame([bad])
    assert to_frame([_rec("q3", score=None)]).score.isna().all()


def test_duplicate_item_id_in_one_task_is_rejected() -> None:
    with pytest.raises(RecordValidationError, match=r"item_id='q1': duplicate .*rows 0 and 2"):
        to_frame([_rec("q1"), _rec("q2"), _rec("q1")])
    # The same item for two models (or two tasks) is not a duplicate.
    assert len(to_frame([_rec("q1"), _rec("q1", model="other")])) == 2


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("score", "1", "must be a number"),
        ("score", float("nan"), "NaN"),
        ("score", 1.5, "outside"),
        ("item_id", 17, "must be a string"),
        ("response", None, "missing field 'response'"),
        ("pism_tier", "trivial", "not one of"),
        ("seed", 1.5, "integer"),
        ("meta", "{not json", "not valid JSON"),
        ("item_id", "", "empty item_id"),
    ],
)
def test_wrong_types_and_values_are_reported(field: str, value: object, message: str) -> None:
    with pytest.raises(RecordValidationError, match=message):
        to_frame([_rec(**{field: value})])


def test_all_problems_are_reported_together() -> None:
    with pytest.raises(RecordValidationError) as info:
        to_frame([_rec("a", score="x"), _rec("b", target=None)])
    assert len(info.value.problems) == 2


def test_corrupt_jsonl_line_is_reported_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps(_rec("a")) + "\n{broken\n")
    with pytest.raises(RecordValidationError, match=r"r.jsonl:2: not valid JSON"):
        read_records(path)


def test_reading_a_parquet_with_bad_rows_fails(tmp_path: Path) -> None:
    path = tmp_path / "r.parquet"
    pd.DataFrame([_rec("a"), _rec("a")]).to_parquet(path)
    with pytest.raises(RecordValidationError, match="duplicate"):
        read_records(path)


def test_write_is_atomic_on_validation_error(tmp_path: Path) -> None:
    path = write_records([_rec("a")], tmp_path / "r.parquet")
    with pytest.raises(RecordValidationError):
        write_records([_rec("a"), _rec("a")], path)
    assert len(read_records(path)) == 1


def test_unknown_suffix_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"parquet or \.jsonl"):
        write_records([_rec()], tmp_path / "r.csv")
    with pytest.raises(FileNotFoundError):
        read_records(Path("/nonexistent/r.parquet"))


def test_content_hash_changes_with_any_part() -> None:
    h = content_hash("q", b"img", "a")
    assert h == content_hash("q", b"img", "a")
    assert (
        len(
            {
                h,
                content_hash("q2", b"img", "a"),
                content_hash("q", b"img2", "a"),
                content_hash("q", b"img", "b"),
            }
        )
        == 4
    )


def test_nan_score_in_a_parquet_is_rejected_and_null_stays_unscored(tmp_path: Path) -> None:
    # Arrow keeps NaN and null apart; pandas does not, so the check must look at the Arrow table.
    rows = [_rec("q1"), _rec("q2", score=None), _rec("q3")]
    column = list(rows[0]).index("score")
    table = pa.Table.from_pylist(rows)
    table = table.set_column(column, "score", pa.array([1.0, None, math.nan], pa.float64()))
    path = tmp_path / "r.parquet"
    pq.write_table(table, path)
    with pytest.raises(RecordValidationError, match=r"item_id='q3': field 'score' is NaN") as info:
        read_records(path)
    assert len(info.value.problems) == 1  # the null score of q2 is "unscored", not a problem
    pq.write_table(table.set_column(column, "score", pa.array([1.0, None, 0.0], pa.float64())), path)
    df = read_records(path)
    assert math.isnan(df.score.iloc[1]) and df.score.iloc[2] == 0.0


def _frame(model: str, n: int) -> list[dict[str, object]]:
    return [_rec(f"q{i}", model=model, response=model * 50, score=float(i % 2)) for i in range(n)]


@pytest.mark.parametrize("suffix", [".parquet", ".jsonl"])
def test_concurrent_writers_never_tear_the_file(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"r{suffix}"
    frames = {"a": _frame("a", 120), "b": _frame("b", 80)}
    errors: list[BaseException] = []

    def writer(model: str) -> None:
        try:
            for _ in range(15):
                write_records(frames[model], path)
        except BaseException as e:  # a torn or vanished temporary file surfaces here
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(m,)) for m in frames]
    for t in threads:
        t.start()
    seen = []
    while any(t.is_alive() for t in threads):
        if path.exists():
            seen.append(read_records(path))  # a reader only ever sees one complete frame
    for t in threads:
        t.join()
    assert not errors, errors
    for df in [*seen, read_records(path)]:
        (model,) = set(df.model)
        assert len(df) == len(frames[model]) and set(df.response) == {model * 50}
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left behind
