"""A batch never mixes generation settings: lmms-eval hands every task's requests to one
`generate_until`, and a batch spanning two tasks used to take the settings of its last request, so
records depended on the batch size and the task order (issue: a long-answer task truncated at the
other task's max_new_tokens)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from harness.core.paths import tasks_dir
from harness.core.records import read_records

pytestmark = pytest.mark.slow
SHORT = """
task: harness_test_short
include: _default.yaml
dataset_kwargs:
  data_files:
    test: synth/mini/test.parquet
process_results: !function utils.process_results_mini
generation_kwargs:
  max_new_tokens: 3
  temperature: 0
  do_sample: false
metric_list:
  - metric: acc
    aggregation: mean
    higher_is_better: true
metadata:
  version: 1
"""
TASKS = ("harness_synth_mini", "harness_test_short")


def _eval(out: Path, tasks: str, batch: int, folder: Path) -> dict[str, pd.DataFrame]:
    cmd = [sys.executable, "-m", "harness.cli", "eval", "--quiet", "--model", "tiny-base", "--tasks", tasks,
           "--limit", "6", "--batch-size", str(batch), "--out", str(out)]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900,
                          env={**os.environ, "HARNESS_TASKS_DIR": str(folder)})  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    columns = ["item_id", "response", "score"]
    return {t: read_records(out / "tiny-base" / t / "records.parquet")[columns] for t in tasks.split(",")}


def test_two_tasks_in_one_run_give_each_task_alone(tmp_path: Path) -> None:
    folder = tmp_path / "tasks"
    shutil.copytree(tasks_dir(), folder, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "harness_synth" / "harness_test_short.yaml").write_text(SHORT)
    # At batch size 1 every request is generated alone under its own settings: what each task
    # gives run on its own. At 8, the 12 requests of the two tasks would share batches.
    alone = _eval(tmp_path / "batch1", ",".join(TASKS), 1, folder)
    together = _eval(tmp_path / "batch8", ",".join(TASKS), 8, folder)
    for task in TASKS:
        pd.testing.assert_frame_equal(together[task], alone[task], check_like=True)
    # The settings really differ: the short task's answers are cut at 3 tokens, the other's are not.
    assert (
        together["harness_test_short"]["response"].str.len().max()
        < together["harness_synth_mini"]["response"].str.len().max()
    )
