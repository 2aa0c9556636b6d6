"""Re-scoring stored responses with a judge on 127.0.0.1: retries, failures recorded as unscored
(never a default verdict), nothing lost, and a later re-score filling the gaps from a live judge
while cached verdicts are not asked again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from harness.judge import Judge, JudgeConfig
from harness.lmms.samples import samples_to_records
from harness.models.loader import ModelIdentity
from harness.paper6.registry import BENCHMARKS
from harness.paper6.rescore import RescoreError, rescore
from harness.paper6.tasks import hooks, identify
from tests.judge.server import FakeChatServer
from tests.paper6 import fixtures


def _records(tmp_path: Path, key: str, responses: list[str]) -> pd.DataFrame:
    bench = BENCHMARKS[key]
    root = fixtures.BUILDERS[key](tmp_path)
    docs = identify(bench.load(str(root)), bench).remove_columns(list(bench.image_columns))
    process = hooks(key).process_results
    samples: list[dict[str, Any]] = [
        {"doc_id": i, "resps": [[r]], **process(doc, [r])}
        for i, (doc, r) in enumerate(zip(docs, responses, strict=True))
    ]
    identity = ModelIdentity(name="m", path="/m", weights_hash=None)
    return samples_to_records(
        samples, task=bench.task, identity=identity, gen_config_hash="g", task_version="1"
    )


def _grade(messages: list[dict[str, str]]) -> str:
    return "1.0" if "It is red." in messages[-1]["content"] else "0.0"


def _unscore(records: pd.DataFrame, index: int, note: str) -> pd.DataFrame:
    """`records` with item `index` unscored, as an earlier failed judging leaves it."""
    out = records.copy()
    meta = json.loads(str(out.at[index, "meta"]))
    meta.update(method="none", note=note)
    out.at[index, "score"] = None
    out.at[index, "parsed_answer"] = None
    out.at[index, "meta"] = json.dumps(meta, sort_keys=True)
    return out


def _config(tmp_path: Path, **kwargs: Any) -> dict[str, Any]:
    settings: dict[str, Any] = dict(model="grader", timeout_s=0.5, retries=1, backoff_s=0.0)
    return {**settings, "cache_path": tmp_path / "cache.sqlite", **kwargs}


def test_mmvet_judge_failures_are_unscored_then_filled_in(tmp_path: Path) -> None:
    records = _records(tmp_path, "mmvet", ["x = -1 and -5", "It is red.", "three", "STOP"])
    assert all(json.loads(m)["method"] == "rule_approx" for m in records.meta)
    records = _unscore(records, 0, "judge failed: earlier")
    config = _config(tmp_path)
    with FakeChatServer(_grade, stall_s=1.5) as server:
        # Item 0: a garbage reply, then a timeout (both attempts fail). Item 1: a 500 then a good reply.
        server.enqueue("content:banana", "timeout", "500")
        result = rescore(records, Judge(JudgeConfig(base_url=server.base_url, **config)), progress=False)
        df = result.records
        assert df.score.isna().sum() == 1
        failed = df[df.score.isna()].iloc[0]
        note = json.loads(failed.meta)["note"]
        assert "judge failed" in note and "timed out" in note  # the new reason, not the old one
        assert failed.judge is not None  # which judge failed is on record too
        assert df.score.tolist()[1:] == [1.0, 0.0, 0.0]
        assert all(json.loads(m)["method"] in ("judge", "none") for m in df.meta)
        assert result.judge_failed == 1 and result.kept_after_judge_failure == 0
        sent = len(server.requests)
        # A second pass: cached verdicts are reused; only the unscored item is asked again.
        again = rescore(df, Judge(JudgeConfig(base_url=server.base_url, **config)), progress=False)
        assert len(server.requests) == sent + 1
        assert again.records.score.notna().all() and again.newly_scored == 1


def test_a_failed_judging_keeps_the_earlier_rule_score(tmp_path: Path) -> None:
    records = _records(tmp_path, "mmvet", ["x = -1 and -5", "It is red.", "three", "STOP"])
    with FakeChatServer(_grade) as server:
        server.enqueue("500", "500")  # item 0: both attempts fail
        judge = Judge(JudgeConfig(base_url=server.base_url, **_config(tmp_path)))
        result = rescore(records, judge, progress=False)
    df = result.records
    assert df.iloc[0].to_dict() == records.iloc[0].to_dict()  # score, method, note, judge: as before
    assert json.loads(df.meta.iloc[0])["method"] == "rule_approx" and pd.notna(df.score.iloc[0])
    assert [json.loads(m)["method"] for m in df.meta.iloc[1:]] == ["judge"] * 3
    assert result.kept_after_judge_failure == 1 and result.judge_failed == 1
    assert result.newly_unscored == 0


def test_a_failed_judging_keeps_the_earlier_judge_verdict(tmp_path: Path) -> None:
    records = _records(tmp_path, "mmvet", ["x = -1 and -5", "It is red.", "three", "STOP"])
    with FakeChatServer(_grade) as server:
        first = rescore(records, Judge(JudgeConfig(base_url=server.base_url, model="grader")), progress=False)
        judged = first.records
        assert judged.score.tolist() == [0.0, 1.0, 0.0, 0.0]
        # A new judge model, whose judging of item 1 fails (two 500s).
        server.enqueue("content:0.0", "500", "500")
        judge = Judge(JudgeConfig(base_url=server.base_url, **_config(tmp_path, model="grader-v2")))
        result = rescore(judged, judge, progress=False)
    df = result.records
    assert df.score.tolist() == [0.0, 1.0, 0.0, 0.0]  # the valid 1.0 survives the failure
    assert df.iloc[1].to_dict() == judged.iloc[1].to_dict()
    assert json.loads(df.meta.iloc[1])["method"] == "judge"
    assert json.loads(df.judge.iloc[1])["model"] == "grader"  # who gave the kept verdict
    assert [json.loads(j)["model"] for j in df.judge.iloc[[0, 2, 3]]] == ["grader-v2"] * 3
    assert result.kept_after_judge_failure == 1 and result.changed == 0 and result.newly_unscored == 0


def test_a_dead_judge_is_an_error_and_nothing_is_rewritten(tmp_path: Path) -> None:
    # Item 0 was unscored, items 1-3 have rule scores: none of it may be lost or guessed.
    records = _unscore(_records(tmp_path, "mmvet", ["a", "b", "c", "d"]), 0, "judge failed: earlier")
    before = records.copy()
    judge = Judge(JudgeConfig(base_url="http://127.0.0.1:9/v1", model="g", retries=0, timeout_s=0.5))
    with pytest.raises(RescoreError) as info:
        rescore(records, judge, progress=False)
    message = str(info.value)
    assert "judge at http://127.0.0.1:9/v1" in message and "connection failed" in message
    assert "no verdict for any of the 4 items" in message and "nothing was re-scored" in message
    pd.testing.assert_frame_equal(records, before)


def test_mathvista_uses_the_judge_only_where_rules_fail(tmp_path: Path) -> None:
    responses = ["<answer>blue</answer>", "The answer is 3.", "2.5 cm", "0.33", "[1, 2, 3]", "I cannot tell"]
    records = _records(tmp_path, "mathvista", responses)
    methods = [json.loads(m)["method"] for m in records.meta]
    assert methods[:5] == ["rule"] * 5 and records.score.iloc[:5].tolist() == [1.0] * 5
    # No judge configured: the item rules cannot read is unscored, and says why.
    assert methods[5] == "none" and pd.isna(records.score.iloc[5])
    assert "no judge" in json.loads(records.meta.iloc[5])["note"]
    with FakeChatServer(lambda m: "No") as server:
        judge = Judge(JudgeConfig(base_url=server.base_url, model="g"))
        df = rescore(records, judge, progress=False).records
        assert len(server.requests) == 1
    assert df.score.tolist() == [1.0] * 6 and json.loads(df.meta.iloc[5])["method"] == "judge"
    assert df.judge.iloc[:5].isna().all() and json.loads(df.judge.iloc[5])["model"] == "g"


def test_records_without_scoring_fields_are_refused(tmp_path: Path) -> None:
    records = _records(tmp_path, "mmstar", ["A", "B", "C", "D"])
    broken = records.assign(meta="{}")
    with pytest.raises(RescoreError, match="no stored scoring fields"):
        rescore(broken, None, progress=False)
    with pytest.raises(RescoreError, match="synth_mmstar cannot be re-scored"):
        rescore(records.assign(benchmark="synth_mmstar"), None, progress=False)


def test_rescoring_applies_the_think_aware_extractor_without_generating(tmp_path: Path) -> None:
    """Records scored by the old extractor (which read a truncated <think> as the answer) are
    corrected by `rescore`, from the stored responses alone."""
    truncated = "<think>The red circle is option A. Hmm, or"
    records = _records(tmp_path, "mmstar", [truncated, "<think>It is C.</think>C", "B", "(B)"])
    stale = records.copy()
    stale.at[0, "score"], stale.at[0, "parsed_answer"] = 1.0, "A"  # what the old extractor stored
    result = rescore(stale, judge=None, progress=False)
    assert result.records.at[0, "score"] == 0.0 and result.changed == 1
    assert result.records["score"].tolist() == records["score"].tolist()
