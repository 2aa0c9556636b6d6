"""The demo's report page, built from fixture records and difficulty tables (the demo itself takes
minutes; `harness demo --quick` is measured in the closing notes): every section and picture is
there, per-tier tables use the benchmark tiers, and arms are compared by their seeds."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from harness.core.records import write_records
from harness.demo import BENCHMARK_TASKS, POOL, DemoConfig
from harness.demo.config import ARMS, CONTRASTS
from harness.demo.report import write_report

TIERS = ["easy", "medium", "hard", "unsolved"]


def _runs(root: Path, names: list[str]) -> dict[str, Path]:
    latent = np.random.default_rng(0).random(30)
    out = {}
    for k, name in enumerate(names):
        rng = np.random.default_rng(k + 1)
        for task in BENCHMARK_TASKS:
            bench = task.removeprefix("harness_")
            rows = [{"item_id": f"{bench}-{i:05d}", "benchmark": bench, "task": task, "model": name,
                     "response": "", "target": "", "content_hash": f"h{i}",
                     "score": float(rng.random() < latent[i] + 0.05 * k)} for i in range(30)]  # fmt: skip
            write_records(rows, root / name / task / "records.parquet")
        out[name] = root / name
    return out


def _tables() -> dict[str, pd.DataFrame]:
    tables = {}
    for task in [POOL, *BENCHMARK_TASKS]:
        prefix = "pool" if task == POOL else task.removeprefix("harness_")
        ids = [f"{prefix}-{i:05d}" for i in range(30)]
        tiers = [TIERS[i % 4] for i in range(30)]
        tables[f"pism:{task}"] = pd.DataFrame({"item_id": ids, "content_hash": [f"h{i}" for i in range(30)],
            "source_task": task, "pism_tier": tiers,
            "pism_lambda_star": [None if t == "easy" else 0.4 for t in tiers]})  # fmt: skip
        tables[f"cmab:{task}"] = pd.DataFrame({"item_id": ids, "content_hash": [f"h{i}" for i in range(30)],
            "cmab_tier": [TIERS[(i + 1) % 4] for i in range(30)], "cmab_correct": [i % 3 > 0 for i in range(30)],
            "cmab_rho": [0.5 + i / 30 for i in range(30)]})  # fmt: skip
    return tables


@pytest.mark.slow  # 8-10 s: in `make test`, kept out of the edit loop (`make test-fast`)
def test_report_has_every_section(tmp_path: Path) -> None:
    arms = {arm: [tmp_path / "ckpt" / f"{arm}-s{s}" for s in range(3)] for arm in ARMS}
    for arm, paths in arms.items():
        for path in paths:
            path.mkdir(parents=True)
            for stage, policy in (("sft", ARMS[arm][2]), ("grpo", ARMS[arm][1])):
                if policy:
                    sel = {"policy": policy, "seed": 0, "counts": {"medium": 5, "hard": 28}, "size": 33}
                    (path / f"selection_{stage}.json").write_text(json.dumps(sel))
    names = ["tiny-base", *(p.name for paths in arms.values() for p in paths)]
    runs = _runs(tmp_path / "eval", names)
    cfg = DemoConfig(out=tmp_path, quick=True, bench_items=30, tier_items=30)
    report = write_report(cfg, _tables(), arms, runs)
    text = report.read_text()
    for heading in (
        "Headline",
        "What each arm trained on",
        "Training pool tiers",
        "Seed-level",
        "The study's contrasts",
        *(f"### {name}: {arm} − {ref}" for name, (ref, arm) in CONTRASTS.items()),
        "forest plot",
        "Leaderboard",
        "interaction",
    ):
        assert heading.lower() in text.lower(), heading
    for picture in ("survival.png", "cmab_hist.png", "forest.png"):
        assert (report.parent / picture).stat().st_size > 0
    assert "| sft-mid-grpo-hard | sft | `mid` | 33 | medium 5, hard 28 |" in text
    assert "| synth_mmstar | hard |" in text and "Cohen's κ" in text
    assert "(30 items each; the first 30 of each tiered by PISM and CMAB)" in text
    seeds = pd.read_csv(report.parent / "seeds.csv")
    assert set(seeds.arm) == set(list(ARMS)[1:]) and seeds.p.notna().all()
    contrasts = pd.read_csv(report.parent / "contrasts.csv")
    assert set(contrasts.contrast) == set(CONTRASTS) and contrasts.reading.notna().all()
