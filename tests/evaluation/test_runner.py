"""End-to-end: `harness eval` runs real lmms-eval on the tiny model and writes per-item records."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import datasets
import pytest

from harness.core.paths import tasks_dir
from harness.core.records import read_records
from harness.evaluation.runner import EvalConfig, build_command
from harness.lmms.task_utils import score_synthetic
from harness.synth.datasets import build_suite

pytestmark = pytest.mark.slow
TASK = "harness_synth_mini"


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness.cli", "eval", "--quiet", *args],
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="module")
def one_process_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("eval1")
    proc = run_cli("--model", "tiny-random", "--tasks", TASK, "--out", str(out), "--batch-size", "4")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "harness_synth_mini" in proc.stdout and "40" in proc.stdout  # the printed table
    return out / "tiny-random" / TASK


def test_records_one_per_item_with_ids_from_the_data(one_process_run: Path) -> None:
    df = read_records(one_process_run / "records.parquet")
    data = datasets.load_dataset("parquet", data_files={"test": str(build_suite("mini"))})["test"]
    assert len(df) == len(data) == 40
    assert sorted(df.item_id) == sorted(data["item_id"])
    by_id = {row["item_id"]: row for row in data.remove_columns("image")}
    for rec in df.itertuples():
        assert rec.target == by_id[rec.item_id]["answer"]
        assert rec.content_hash == by_id[rec.item_id]["content_hash"]
        # The stored score is what the task's scorer gives for the stored response.
        score, parsed = score_synthetic(by_id[rec.item_id], rec.response)
        assert rec.score == score and (rec.parsed_answer or None) == parsed
    assert df.response.nunique() > 1
    assert (df.model == "tiny-random").all() and df.weights_hash.str.len().eq(16).all()
    assert df.gen_config_hash.nunique() == 1 and df.gen_config_hash.iloc[0]
    assert (one_process_run / "summary.json").exists()


def test_two_processes_give_the_same_records(one_process_run: Path, tmp_path: Path) -> None:
    proc = run_cli(
        "--model",
        "tiny-random",
        "--tasks",
        TASK,
        "--out",
        str(tmp_path),
        "--processes",
        "2",
        "--batch-size",
        "4",
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    one = read_records(one_process_run / "records.parquet")
    two = read_records(tmp_path / "tiny-random" / TASK / "records.parquet")
    cols = [
        "item_id",
        "response",
        "parsed_answer",
        "score",
        "content_hash",
        "gen_config_hash",
        "weights_hash",
    ]
    assert one[cols].equals(two[cols])


BROKEN_YAML = """
task: harness_test_broken
include: _default.yaml
dataset_kwargs:
  data_files:
    test: synth/mini/test.parquet
process_results: !function broken.process_results
metric_list:
  - metric: acc
    aggregation: mean
    higher_is_better: true
"""


def test_task_that_raises_makes_eval_fail_with_the_cause(tmp_path: Path) -> None:
    tasks = tmp_path / "tasks"
    shutil.copytree(tasks_dir() / "harness_synth", tasks / "harness_synth")
    (tasks / "harness_synth" / "harness_test_broken.yaml").write_text(BROKEN_YAML)
    (tasks / "harness_synth" / "broken.py").write_text(
        "def process_results(doc, results):\n    raise RuntimeError('scorer exploded on ' + doc['item_id'])\n"
    )
    build_suite("mini")
    proc = run_cli(
        "--model",
        "tiny-random",
        "--tasks",
        "harness_test_broken",
        "--out",
        str(tmp_path / "out"),
        "--limit",
        "3",
        env={"HARNESS_TASKS_DIR": str(tasks)},
    )
    assert proc.returncode == 1
    assert "harness eval: failed: evaluation failed" in proc.stderr
    # lmms-eval post-processes documents in parallel, so any of the three may be the one that raised.
    assert re.search(r"scorer exploded on mini-0000[0-2]", proc.stderr)
    assert not (tmp_path / "out" / "tiny-random" / "harness_test_broken" / "records.parquet").exists()


def test_unknown_task_fails_clearly(tmp_path: Path) -> None:
    proc = run_cli("--model", "tiny-random", "--tasks", "harness_synth_mmstr", "--out", str(tmp_path))
    assert proc.returncode == 2
    assert "--tasks: no harness task named 'harness_synth_mmstr'" in proc.stderr
    assert "harness_synth_mmstar" in proc.stderr  # the known names are listed
    assert not (tmp_path / "tiny-random").exists()  # refused before the model was built or run


def test_missing_model_fails_before_running(tmp_path: Path) -> None:
    proc = run_cli("--model", str(tmp_path / "nowhere"), "--out", str(tmp_path))
    assert proc.returncode == 2
    assert (
        "--model:" in proc.stderr and "is not an embedded model, a local directory or a hub id" in proc.stderr
    )


def test_data_parallel_command_uses_accelerate_on_cpu(tmp_path: Path) -> None:
    cfg = EvalConfig(model="m", tasks=["a", "b"], out=tmp_path, processes=2, device="cpu")
    cmd = build_command(cfg, "/models/m", tmp_path)
    assert cmd[1:3] == ["-m", "accelerate.commands.launch"]
    assert "--cpu" in cmd and cmd[cmd.index("--num_processes") + 1] == "2"
    assert cmd[cmd.index("--tasks") + 1] == "a,b"
    assert "pretrained=/models/m,device=cpu" in cmd


def test_black_images_ablation_is_labelled_and_not_comparable(one_process_run: Path, tmp_path: Path) -> None:
    proc = run_cli(
        "--model", "tiny-random", "--tasks", TASK, "--out", str(tmp_path), "--limit", "6", "--black-images"
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    blind = read_records(tmp_path / "tiny-random-black-images" / TASK / "records.parquet")
    normal = read_records(one_process_run / "records.parquet")
    assert len(blind) == 6
    # Same items, different generation config: a comparison will flag the runs as not comparable.
    assert set(blind.item_id) <= set(normal.item_id)
    assert blind.gen_config_hash.iloc[0] != normal.gen_config_hash.iloc[0]
