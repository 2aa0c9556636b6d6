"""A training run checkpoints as it goes and resumes after a kill: `harness train` killed right after
its first checkpoint, then run again, ends with the same weights as an uninterrupted run (embedded
model, same seed, CPU); a finished run is not trained again; a folder holding a run of other
settings is refused, naming the setting."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.core.errors import InputError
from harness.training.checkpoints import last_complete_checkpoint

pytestmark = pytest.mark.slow

PRESET = """
grpo:
  num_generations: 4
  beta: 0.04
  learning_rate: {lr}
  max_steps: 6
  max_completion_length: 24
  per_device_train_batch_size: 4
  activation_checkpointing: false
  save_steps: 2
harness:
  grpo:
    rewards: [accuracy, format]
"""


def _preset(tmp_path: Path, lr: str = "2.0e-5") -> Path:
    path = tmp_path / f"preset-{lr}.yaml"
    path.write_text(PRESET.format(lr=lr))
    return path


def _cmd(out: Path, preset: Path) -> list[str]:
    return [sys.executable, "-m", "harness.cli", "train", "--paradigm", "grpo_only", "--out", str(out),
            "--items", "harness_synth_mini", "--preset", str(preset), "--device", "cpu"]  # fmt: skip


def _train(out: Path, preset: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(_cmd(out, preset), capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("full")
    return _in_process(tmp / "run", _preset(tmp))  # as `harness train` runs it, without a second start-up


def test_killed_run_resumes_to_the_weights_of_an_uninterrupted_one(
    uninterrupted: Path, tmp_path: Path
) -> None:
    out, preset = tmp_path / "run", _preset(tmp_path)
    proc = subprocess.Popen(_cmd(out, preset), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)  # fmt: skip
    first = out / "_trainer" / "checkpoint-2" / "trainer_state.json"
    deadline = time.monotonic() + 240
    while not first.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, f"the run ended before it could be killed: {proc.stderr.read()[-2000:]!r}"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (out / "model.safetensors").exists()  # killed mid-training
    again = _train(out, preset)
    assert again.returncode == 0, again.stderr[-3000:]
    log = json.loads((out / "train_log.json").read_text())
    assert log["resumed_from"] and Path(log["resumed_from"]).name.startswith("checkpoint-")
    assert (out / "model.safetensors").read_bytes() == (uninterrupted / "model.safetensors").read_bytes()


def _in_process(out: Path, preset: Path) -> Path:
    from harness.synth.models import ensure_embedded_model
    from harness.training.pipeline import TrainRequest, run

    base = str(ensure_embedded_model("tiny-base"))
    return run(TrainRequest("grpo_only", base, "harness_synth_mini", out, preset=str(preset), device="cpu"))


def test_a_finished_run_is_not_trained_again(uninterrupted: Path, tmp_path: Path) -> None:
    weights = uninterrupted / "model.safetensors"
    written = weights.stat().st_mtime_ns
    _in_process(uninterrupted, _preset(tmp_path))
    assert weights.stat().st_mtime_ns == written


def test_a_folder_of_other_settings_is_refused(uninterrupted: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"learning_rate: 2e-05 there, 0\.0001 now"):
        _in_process(uninterrupted, _preset(tmp_path, lr="1.0e-4"))


def test_a_checkpoint_cut_short_is_not_resumed_from(tmp_path: Path) -> None:
    for step, complete in ((2, True), (4, True), (6, False)):
        folder = tmp_path / f"checkpoint-{step}"
        folder.mkdir()
        (folder / "model.safetensors").write_bytes(b"")
        if complete:
            (folder / "trainer_state.json").write_text("{}")
    assert last_complete_checkpoint(tmp_path) == tmp_path / "checkpoint-4"
    assert last_complete_checkpoint(tmp_path / "checkpoint-6") is None


def test_an_unfinished_run_of_other_settings_is_refused(tmp_path: Path) -> None:
    trainer = tmp_path / "run" / "_trainer"
    trainer.mkdir(parents=True)
    (trainer / "run.json").write_text('{"trl": {"learning_rate": 0.1}}')
    with pytest.raises(
        InputError, match=r"holds an unfinished run with other settings \(base_weights: None there"
    ):
        _in_process(tmp_path / "run", _preset(tmp_path))
