"""An item the scorer leaves unscored (no judge for it) is a record with score null: it never stops
the evaluation of its task or of the other tasks run with it (issue: one unscored MathVista item
made lmms-eval's standard-error step raise TypeError and lost the records of all three tasks)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from harness.core.records import read_records
from tests.paper6 import fixtures

pytestmark = pytest.mark.slow
TASKS = ("harness_mmstar", "harness_mathvista_testmini", "harness_ocrbench")


def test_unscored_items_do_not_stop_the_run(tmp_path: Path) -> None:
    data = fixtures.build_all(tmp_path / "data")
    out = tmp_path / "runs"
    cmd = [sys.executable, "-m", "harness.cli", "eval", "--quiet", "--model", "tiny-base", "--tasks", ",".join(TASKS),
           "--data-dir", str(data), "--out", str(out), "--batch-size", "4", "--gen-kwargs", "max_new_tokens=24"]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    records = {task: read_records(out / "tiny-base" / task / "records.parquet") for task in TASKS}
    mathvista = records["harness_mathvista_testmini"]
    # The case itself: MathVista answers the rules cannot read need the judge, and there is none.
    # (24 new tokens: enough for tiny-base to reach an answer block, a letter to a free-form question.)
    unscored = mathvista[mathvista["score"].isna()]
    assert len(unscored) > 0, "no unscored item: the test would not exercise the failure"
    assert unscored["meta"].str.contains("needs the judge").all()
    assert mathvista["score"].notna().any() or len(unscored) == len(mathvista)
    for task, df in records.items():
        assert len(df) > 0, task
    assert records["harness_mmstar"]["score"].notna().all()
