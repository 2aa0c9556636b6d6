import json

import pandas as pd
import pytest

from harness.core.tables import TierTableError, attach_tiers, per_tier, read_difficulty
from harness.report.metrics import task_metrics


def _records(n: int = 6) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "item_id": [f"q{i}" for i in range(n)],
            "task": "harness_mmstar",
            "benchmark": "mmstar",
            "content_hash": [f"h{i}" for i in range(n)],
            "score": [1.0, 0.0, 1.0, None, 1.0, 0.0][:n],
            "judge": None,
            "meta": [
                json.dumps({"fields": {"l2_category": f"c{i % 2}"}, "method": "rule"}) for i in range(n)
            ],
            "pism_tier": None,
            "cmab_tier": None,
        }
    )


def _table(ids: list[str], tiers: list[str], hashes: list[str] | None = None) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "item_id": ids,
            "pism_tier": tiers,
            "content_hash": hashes or [f"h{i[1:]}" for i in ids],
            "source_task": "harness_mmstar",
        }
    )


def test_tiers_attach_by_id_and_uncovered_items_are_untiered() -> None:
    out = attach_tiers(_records(), _table(["q0", "q1", "q2", "q3"], ["easy", "hard", "hard", "unsolved"]))
    assert out["pism_tier"].tolist() == ["easy", "hard", "hard", "unsolved", None, None]
    rows = {r["tier"]: r for r in per_tier(out, "pism_tier", task_metrics)}
    assert rows["all"]["n"] == 6
    assert rows["hard"]["n"] == 2 and rows["hard"]["score"] == 0.5
    # The unscored item stays in its tier's count, reported as unscored, not dropped.
    assert (
        rows["unsolved"]["n"] == 1 and rows["unsolved"]["n_scored"] == 0 and rows["unsolved"]["score"] is None
    )
    assert rows["untiered"]["n"] == 2
    assert sum(r["n"] for t, r in rows.items() if t != "all") == 6


def test_a_table_computed_on_different_data_is_refused() -> None:
    table = _table(["q0", "q1"], ["easy", "hard"], hashes=["h0", "CHANGED"])
    with pytest.raises(TierTableError, match=r"different content hash.*'q1'"):
        attach_tiers(_records(), table)


def test_repeated_ids_in_a_table_are_refused() -> None:
    with pytest.raises(TierTableError, match="repeated"):
        attach_tiers(_records(), _table(["q0", "q0"], ["easy", "hard"]))


def test_rows_of_another_source_task_are_ignored_when_the_task_is_present() -> None:
    table = pd.concat(
        [_table(["q0"], ["easy"]), _table(["q0"], ["hard"], hashes=["zz"]).assign(source_task="other")]
    )
    assert attach_tiers(_records(), table)["pism_tier"].iloc[0] == "easy"


def test_read_difficulty_accepts_a_run_folder(tmp_path) -> None:
    _table(["q0"], ["easy"]).to_parquet(tmp_path / "difficulty.parquet")
    assert read_difficulty(tmp_path)["pism_tier"].tolist() == ["easy"]
    with pytest.raises(FileNotFoundError):
        read_difficulty(tmp_path / "nope")
    pd.DataFrame({"item_id": ["a"]}).to_parquet(tmp_path / "bad.parquet")
    with pytest.raises(TierTableError, match="expected exactly one"):
        read_difficulty(tmp_path / "bad.parquet")


def test_task_metrics_count_unscored_and_add_benchmark_extras() -> None:
    m = task_metrics(_records())
    assert (m["n"], m["n_scored"], m["n_unscored"]) == (6, 5, 1)
    assert m["score"] == pytest.approx(3 / 5)
    # MMStar's macro over fine categories: c0 = {1, 1, 1}, c1 = {0, 0}.
    assert m["macro_l2"] == pytest.approx(0.5)
    assert m["approximate"] is False
