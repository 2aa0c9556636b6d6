"""examples/study.py, the whole embedded study through harness.api, runs as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "study.py"


@pytest.mark.slow
def test_the_example_study_runs_every_stage(tmp_path: Path) -> None:
    out = tmp_path / "study"
    cmd = [sys.executable, str(SCRIPT), "--out", str(out), "--pool", "12", "--bench", "4", "--steps", "2"]
    result = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    printed = result.stdout
    for line in ("PISM tiers:", "CMAB tiers:", "PISM/CMAB agreement: κ =", "mid+hard:", "macro accuracy",
                 "MDE at 4 items", "gate of grpo-mid-hard against tiny-base"):  # fmt: skip
        assert line in printed, f"{line!r} not printed:\n{printed}"
    # Every stage left its files: difficulty tables, checkpoints with manifests, records, the
    # comparison, the leaderboard.
    assert len(pd.read_parquet(out / "pism" / "difficulty.parquet")) == 12
    assert len(pd.read_parquet(out / "cmab" / "difficulty.parquet")) == 12
    for arm, policy in (("grpo-mid-hard", "mid+hard"), ("grpo-random", "random:mid+hard")):
        manifest = json.loads((out / "checkpoints" / arm / "manifest.json").read_text())
        assert manifest["subsets"]["grpo"]["policy"] == policy
    for label in ("tiny-base", "grpo-mid-hard", "grpo-random"):
        records = sorted((out / "eval" / label).glob("*/records.parquet"))
        assert len(records) == 6 and all(len(pd.read_parquet(p)) == 4 for p in records)
    rows = pd.read_csv(out / "compare" / "compare.csv")
    assert {"grpo-mid-hard", "grpo-random"} <= set(rows["checkpoint"])
    assert (out / "compare" / "forest.png").stat().st_size > 0
    assert sorted(p.name for p in (out / "leaderboards" / "harness_synth6").glob("*.json")) == [
        "grpo-mid-hard.json", "grpo-random.json", "tiny-base.json"
    ]  # fmt: skip
