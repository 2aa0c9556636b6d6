from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.models.loader import weights_hash
from harness.synth.models import EMBEDDED_MODELS, ensure_embedded_model
from harness.training.base_model import build_base_model

pytestmark = pytest.mark.slow


def test_training_is_deterministic(tmp_path: Path) -> None:
    """A few SFT steps from the same seed, twice, give byte-identical weights; another seed differs."""
    few = {"max_steps": 3, "per_device_train_batch_size": 4, "logging_steps": 1}
    a = build_base_model(tmp_path / "a", seed=0, overrides=few, limit=24)
    b = build_base_model(tmp_path / "b", seed=0, overrides=few, limit=24)
    assert (a / "model.safetensors").read_bytes() == (b / "model.safetensors").read_bytes()
    # The log does not name the folder it was trained in (the shipped one named a scratch folder).
    logs = [json.loads((m / "train_log.json").read_text())["config"] for m in (a, b)]
    assert logs[0] == logs[1] and logs[0]["trl"]["output_dir"] == "_trainer"
    c = build_base_model(tmp_path / "c", seed=1, overrides=few, limit=24)
    assert weights_hash(c) != weights_hash(a)


def test_shipped_base_model_is_small_and_loads() -> None:
    assert "tiny-base" in EMBEDDED_MODELS
    path = ensure_embedded_model("tiny-base")
    assert (path / "model.safetensors").stat().st_size < 20 * 2**20  # issue 21: under ~50 MB
    assert (path / "train_log.json").exists()
