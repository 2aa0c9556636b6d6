"""An evaluation killed with SIGKILL mid-way leaves no partial records but keeps the responses it
generated; the rerun continues from them and gives exactly the records of an uninterrupted run;
greedy records do not depend on the batch size."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from harness.core.records import read_records

pytestmark = pytest.mark.slow
TASK = "harness_synth_mmstar"
ITEMS = 40
COMPARED = ["item_id", "response", "parsed_answer", "score", "target", "content_hash", "gen_config_hash"]


def _cmd(out: Path, batch: int) -> list[str]:
    return [sys.executable, "-m", "harness.cli", "eval", "--quiet", "--model", "tiny-base", "--tasks", TASK,
            "--out", str(out), "--batch-size", str(batch), "--limit", str(ITEMS)]  # fmt: skip


def _records(out: Path) -> pd.DataFrame:
    return read_records(out / "tiny-base" / TASK / "records.parquet")[COMPARED]


def test_killed_eval_reruns_to_the_same_records_at_any_batch_size(tmp_path: Path) -> None:
    reference = tmp_path / "reference"
    subprocess.run(_cmd(reference, 4), check=True, capture_output=True, timeout=900)

    out = tmp_path / "killed"
    proc = subprocess.Popen(
        _cmd(out, 1), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    # Kill as soon as a few responses are journaled: mid-way through generation, whatever the
    # machine's speed (a fixed delay finished all 120 items first on a fast machine).
    deadline = time.time() + 600
    journaled = 0
    while time.time() < deadline and proc.poll() is None and journaled < 5:
        journaled = sum(
            p.read_text(errors="replace").count("\n")
            for p in out.glob("tiny-base/partial/*/responses.rank0.jsonl")
        )
        time.sleep(0.05)
    assert proc.poll() is None and journaled >= 5, "the evaluation ended before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)  # the CLI and its lmms-eval child, as an OOM kill would
    proc.wait()
    assert not (out / "tiny-base" / TASK / "records.parquet").exists()  # nothing half-written
    journals = list((out / "tiny-base" / "partial").glob("*/responses.rank0.jsonl"))
    assert len(journals) == 1
    kept = journals[0].read_text().count("\n")
    assert 0 < kept < ITEMS  # generated before the kill, and kept

    subprocess.run(
        _cmd(out, 8), check=True, capture_output=True, timeout=900
    )  # resumed at another batch size
    pd.testing.assert_frame_equal(_records(out), _records(reference))
    logs = sorted(out.glob("tiny-base/lmms_eval/*/lmms_eval.log"), key=lambda p: p.stat().st_mtime)
    assert f"{kept} of {ITEMS} responses from the journal" in logs[-1].read_text(errors="replace")
    assert not (out / "tiny-base" / "partial").exists()  # finished: the journal is gone
