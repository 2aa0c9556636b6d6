"""End to end: the six benchmark tasks run through lmms-eval on the tiny model, offline, from a
local data folder in the real schemas, with a judge server on 127.0.0.1 and a difficulty table."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from harness.core.records import read_records
from harness.paper6.registry import BENCHMARKS
from harness.paper6.rescore import rescore
from harness.paper6.tasks import identify
from tests.judge.server import FakeChatServer
from tests.paper6 import fixtures

pytestmark = pytest.mark.slow
TIERS = ["easy", "medium", "hard", "unsolved"]


def _judge_reply(messages: list[dict[str, str]]) -> str:
    text = messages[-1]["content"]
    if "Extracted answer:" in text:  # MathVista: extraction when rules fail
        return "B"
    if "Reply with one word: yes, no, or unclear." in text:  # HallusionBench without a clear yes/no
        return "yes"
    return "0.5"  # MM-Vet grading


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("paper6")
    data = fixtures.build_all(root / "data")
    docs = {
        key: identify(b.load(str(data / b.local_name)), b).remove_columns(list(b.image_columns))
        for key, b in BENCHMARKS.items()
    }
    # A PISM table covering all but the last item of each benchmark (that one must show as untiered).
    rows = [
        {"item_id": d["item_id"], "content_hash": d["content_hash"], "pism_tier": TIERS[i % 4],
         "source_task": BENCHMARKS[key].task, "model": "tiny-base"}
        for key, ds in docs.items() for i, d in enumerate(ds) if i < len(ds) - 1
    ]  # fmt: skip
    table = root / "pism" / "difficulty.parquet"
    table.parent.mkdir()
    pd.DataFrame(rows).to_parquet(table)
    out = root / "runs"
    with FakeChatServer(_judge_reply) as server:
        proc = subprocess.run(
            [sys.executable, "-m", "harness.cli", "eval", "--quiet", "--model", "tiny-base", "--tasks", "paper6",
             "--data-dir", str(data), "--difficulty", str(table), "--out", str(out), "--batch-size", "2",
             "--gen-kwargs", "max_new_tokens=12", "--judge-url", server.base_url, "--judge-model", "judge-m"],
            capture_output=True, text=True, timeout=900,
            env={**os.environ, "HARNESS_JUDGE_API_KEY": "sk-secret-123"},
        )  # fmt: skip
        requests = list(server.requests)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return {
        "out": out / "tiny-base",
        "docs": docs,
        "table": table,
        "stdout": proc.stdout,
        "requests": requests,
    }


@pytest.mark.parametrize("key", list(BENCHMARKS))
def test_one_record_per_item_with_the_datasets_ids(setup, key: str) -> None:  # type: ignore[no-untyped-def]
    bench = BENCHMARKS[key]
    df = read_records(setup["out"] / bench.task / "records.parquet")
    docs = setup["docs"][key]
    assert sorted(df.item_id) == sorted(docs["item_id"])
    hashes = dict(zip(docs["item_id"], docs["content_hash"], strict=True))
    assert all(hashes[r.item_id] == r.content_hash for r in df.itertuples())
    assert (df.benchmark == key).all() and (df.dataset == bench.hub_repo).all()
    for rec in df.itertuples():
        meta = json.loads(rec.meta)
        # Re-scoring the stored response from the stored fields gives the stored verdict.
        assert meta["method"] in ("rule", "rule_approx", "judge", "none")
        assert (rec.score is None) == (meta["method"] == "none")
        assert rec.score is not None or meta["note"]


def test_per_tier_metrics_in_the_summary(setup) -> None:  # type: ignore[no-untyped-def]
    for bench in BENCHMARKS.values():
        summary = json.loads((setup["out"] / bench.task / "summary.json").read_text())
        rows = {r["tier"]: r for r in summary["by_tier"]["pism_tier"]}
        assert rows["untiered"]["n"] == 1
        assert sum(r["n"] for t, r in rows.items() if t != "all") == rows["all"]["n"] == summary["n"]
        if bench.key == "hallusion":
            assert {"fAcc", "qAcc"} <= set(rows["all"])
    assert "by PISM tier" in setup["stdout"]


def test_the_judge_grades_mmvet_and_its_identity_but_not_its_key_is_stored(setup) -> None:  # type: ignore[no-untyped-def]
    df = read_records(setup["out"] / "harness_mmvet" / "records.parquet")
    assert set(df.score) == {0.5}
    judge = json.loads(df.judge.iloc[0])
    assert judge["model"] == "judge-m" and "127.0.0.1" in judge["base_url"]
    for path in setup["out"].rglob("*"):
        if path.is_file():
            assert b"sk-secret-123" not in path.read_bytes(), path
    assert any(r.headers.get("authorization") == "Bearer sk-secret-123" for r in setup["requests"])


def test_rescore_without_a_judge_labels_mmvet_approximate_and_leaves_rules_alone(setup) -> None:  # type: ignore[no-untyped-def]
    mmvet = read_records(setup["out"] / "harness_mmvet" / "records.parquet")
    result = rescore(mmvet, judge=None, progress=False)
    assert all(json.loads(m)["method"] == "rule_approx" for m in result.records.meta)
    assert result.records.judge.isna().all()
    mmstar = read_records(setup["out"] / "harness_mmstar" / "records.parquet")
    again = rescore(mmstar, judge=None, progress=False)
    assert again.changed == 0 and again.records.score.tolist() == mmstar.score.tolist()


def test_rescore_cli_writes_records_and_tiers(setup, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    shutil.copytree(setup["out"] / "harness_mmvet", tmp_path / "harness_mmvet")
    proc = subprocess.run(
        [sys.executable, "-m", "harness.cli", "rescore", str(tmp_path), "--difficulty", str(setup["table"])],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    df = read_records(tmp_path / "harness_mmvet" / "records.parquet")
    assert df.judge.isna().all() and df.pism_tier.notna().sum() == len(df) - 1
    summary = json.loads((tmp_path / "harness_mmvet" / "summary.json").read_text())
    assert summary["metrics"]["approximate"] is True
