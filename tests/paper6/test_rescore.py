"""Re-scoring stored responses with a judge on 127.0.0.1: retries, failures recorded as unscored
(never a default verdict), nothing lost, and a later re-score filling the gaps from a live judge
while cached verdicts are not asked again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import datasets as hf
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
    docs = identify(hf.load_dataset(str(root))[bench.split], bench).remove_columns(list(bench.image_columns))
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


def test_mmvet_judge_failures_are_unscored_then_filled_in(tmp_path: Path) -> None:
    records = _records(tmp_path, "mmvet", ["x = -1 and -5", "It is red.", "three", "STOP"])
    assert all(json.loads(m)["method"] == "rule_approx" for m in records.meta)
    config = dict(
        model="grader", timeout_s=0.5, retries=1, backoff_s=0.0, cache_path=tmp_path / "cache.sqlite"
    )
    with FakeChatServer(_grade, stall_s=1.5) as server:
        # Item 1: a garbage reply, then a timeout (both attempts fail). Item 2: a 500 then a good reply.
        server.enqueue("content:banana", "timeout", "500")
        result = rescore(records, Judge(JudgeConfig(base_url=server.base_url, **config)), progress=False)
        df = result.records
        assert df.score.isna().sum() == 1
        failed = df[df.score.isna()].iloc[0]
        note = json.loads(failed.meta)["note"]
        assert "judge failed" in note and "timed out" in note
        assert failed.judge is not None  # which judge failed is on record too
        assert df.score.tolist()[1:] == [1.0, 0.0, 0.0]
        assert all(json.loads(m)["method"] in ("judge", "none") for m in df.meta)
        sent = len(server.requests)
        # A second pass: cached verdicts are reused; only the unscored item is asked again.
        again = rescore(df, Judge(JudgeConfig(base_url=server.base_url, **config)), progress=False)
        assert len(server.requests) == sent + 1
        assert again.records.score.notna().all() and again.newly_scored == 1


def test_a_dead_judge_leaves_every_item_unscored_never_guessed(tmp_path: Path) -> None:
    records = _records(tmp_path, "mmvet", ["a", "b", "c", "d"])
    judge = Judge(JudgeConfig(base_url="http://127.0.0.1:9/v1", model="g", retries=0, timeout_s=0.5))
    df = rescore(records, judge, progress=False).records
    assert df.score.isna().all()
    assert all("judge" in json.loads(m)["note"] for m in df.meta)


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
