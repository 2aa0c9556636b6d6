"""GRPO with vLLM rollouts in TRL's colocate mode, run for real on CPU (harness.training.vllm_rollouts).

The run happens in the vLLM environment (`make vllm-setup` installs TRL and the harness there). What
is checked is TRL's own measure of whether the rollouts came from the policy being trained:
`sampling/sampling_logp_difference/mean`, the mean |log p_vLLM − log p_trainer| per completion token.
On the unrepaired path it was 1.74 (vLLM expanded each image's tokens a second time), and with the
weights never synced after step 1 it is 1.2-1.5; with both repairs it stays below 0.02 (float32 on
both sides; the rest is kernels and image resizing).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from harness.core.errors import InputError
from harness.models.vllm_server import vllm_python
from harness.training.vllm_rollouts import collapse_image_runs

IMG = 151655  # Qwen2.5-VL's <|image_pad|>
START, END = 151652, 151653
RUN = Path(__file__).with_name("colocate_run.py")
# Three steps of 2 prompts x 4 rollouts at a rate high enough that stale weights show at once.
PRESET = """\
grpo:
  num_generations: 4
  temperature: 1.0
  beta: 0.0
  learning_rate: 1.0e-3
  max_steps: 3
  max_completion_length: 16
  per_device_train_batch_size: 4
  activation_checkpointing: false
  save_steps: 100
harness:
  grpo:
    rewards: [text_hash]
"""
LOGP_DIFF = "sampling/sampling_logp_difference/mean"


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        ([1, START, IMG, IMG, IMG, END, 7], [1, START, IMG, END, 7]),  # one image, expanded
        ([START, IMG, END, 5, START, IMG, IMG, END], [START, IMG, END, 5, START, IMG, END]),  # two images
        ([1, 2, 3], [1, 2, 3]),  # text only
        ([IMG], [IMG]),
        ([], []),
    ],
)
def test_collapse_image_runs(ids: list[int], expected: list[int]) -> None:
    assert collapse_image_runs(ids, IMG) == expected


def _vllm_with_trl() -> Path:
    try:
        python = vllm_python()
    except InputError:
        if os.environ.get("HARNESS_REQUIRE_VLLM") == "1":
            raise
        pytest.skip("no vLLM environment (make vllm-setup)")
    probe = subprocess.run(
        [str(python), "-c", "import trl, harness.training.vllm_rollouts"], capture_output=True
    )
    if probe.returncode != 0:
        if os.environ.get("HARNESS_REQUIRE_VLLM") == "1":
            pytest.fail(
                f"{python} lacks TRL or the harness (make vllm-setup): {probe.stderr.decode()[-300:]}"
            )
        pytest.skip("the vLLM environment has no TRL (make vllm-setup)")
    return python


def _train(tmp_path: Path, *flags: str) -> list[dict]:
    python = _vllm_with_trl()
    preset = tmp_path / "preset.yaml"
    preset.write_text(PRESET)
    out = tmp_path / "out"
    done = subprocess.run([str(python), str(RUN), str(out), str(preset), *flags],
                          capture_output=True, text=True, timeout=900)  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    log = json.loads((out / "train_log.json").read_text())
    assert log["config"]["trl"]["use_vllm"] is True and log["config"]["trl"]["vllm_mode"] == "colocate"
    return [row for row in log["log"] if LOGP_DIFF in row]


@pytest.mark.slow
def test_colocate_rollouts_come_from_the_trained_policy(tmp_path: Path) -> None:
    steps = _train(tmp_path)
    assert [row["step"] for row in steps] == [1, 2, 3]
    assert all(row["grad_norm"] > 0 for row in steps)  # the weights moved at every step
    assert max(row[LOGP_DIFF] for row in steps) < 0.1, steps
