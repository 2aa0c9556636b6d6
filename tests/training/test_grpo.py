"""GRPO steps whose batch holds several prompts, as every real preset's does (the embedded `tiny`
preset's batch is one prompt's rollouts, which hid this)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.training.config import stage
from harness.training.data import grpo_dataset, training_items
from harness.training.grpo import grpo_train

pytestmark = pytest.mark.slow


def test_a_batch_of_prompts_of_different_lengths_trains(tiny_model: Path, tmp_path: Path) -> None:
    # Two prompts of different lengths (a MathVista-like and an MMStar-like item), two rollouts
    # each, in one batch. With the processor right-padded, TRL's image-token types no longer line
    # up with the left-padded prompts: Qwen's get_rope_index fails ("shape mismatch").
    picked = training_items("harness_synth_mini").select([0, 1])
    assert len(picked[0]["prompt"]) != len(picked[1]["prompt"])
    s = stage("grpo", "tiny", tmp_path / "out", 0, "cpu",
              overrides={"max_steps": 1, "num_generations": 2, "per_device_train_batch_size": 4,
                         "max_completion_length": 8, "save_steps": 100})  # fmt: skip
    out = grpo_train(tiny_model, grpo_dataset(picked), tmp_path / "out", s)
    assert (out / "model.safetensors").is_file()
