"""SFT recipe details that the base model's training relies on."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.models.loader import load_model_and_processor
from harness.training.config import SFTExtras, stage
from harness.training.sft import _optimizer


def test_vision_tower_gets_its_own_learning_rate(tiny_model: Path, tmp_path: Path) -> None:
    model, _ = load_model_and_processor(tiny_model)
    args = stage("sft", "tiny", tmp_path, 0, "cpu", overrides={"learning_rate": 1e-3}).args
    assert _optimizer(model, args, SFTExtras()) is None  # one rate for all: the Trainer's own optimizer
    assert _optimizer(model, args, SFTExtras(vision_lr_scale=0.1, freeze_vision_tower=True)) is None
    opt = _optimizer(model, args, SFTExtras(vision_lr_scale=0.1))
    assert opt is not None
    rest, tower = opt.param_groups
    assert rest["lr"] == 1e-3 and tower["lr"] == pytest.approx(1e-4)
    names = {id(p): n for n, p in model.named_parameters()}
    tower_names = [names[id(p)] for p in tower["params"]]
    assert tower_names and all(n.startswith("model.visual.") and ".merger." not in n for n in tower_names)
    assert any(names[id(p)].startswith("model.visual.merger.") for p in rest["params"])
    assert sum(len(g["params"]) for g in opt.param_groups) == len(names)
