"""Presets as TRL configs: parsed by TRL's own classes, bad keys and values named, the harness's own
fields refused, the whole config recorded, and precision chosen from the device and the model."""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import pytest
import torch
from trl import GRPOConfig

from harness.core.errors import InputError
from harness.training.config import _field_names, precision, stage

BAD_PRESETS = [
    ("grpo:\n  epochs: 1\n", "grpo (trl.GRPOConfig)", "epochs"),  # not a TRL field
    ("grpo:\n  num_generations: 4\n  generation_batch_size: 6\n", "grpo (trl.GRPOConfig)", "divisible"),
    ("grpo:\n  seed: 3\n", "grpo: seed is set by --seed", ""),  # the harness's own field
    ("sft:\n  output_dir: x\n", "sft: output_dir is set by --out", ""),
    ("harness:\n  grpo:\n    rewards: [length]\n", "harness.grpo.rewards: unknown ['length']", ""),
    ("harness:\n  grpo:\n    suffix: x\n", "harness.grpo", "suffix"),
    ("train:\n  lr: 1\n", "unknown section(s) ['train']", ""),
]


@pytest.mark.parametrize(("text", "where", "what"), BAD_PRESETS)
def test_a_bad_preset_is_one_error_naming_its_key(tmp_path: Path, text: str, where: str, what: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    kind = "sft" if text.startswith("sft") else "grpo"
    with pytest.raises(InputError) as e:
        stage(kind, str(path), tmp_path / "out", 0, "cpu")
    assert where in str(e.value) and what in str(e.value) and "\n" not in str(e.value)


def test_the_whole_trl_config_is_recorded(tmp_path: Path) -> None:
    s = stage("grpo", "paper", tmp_path / "out", 7, "cpu")
    record = s.to_dict()
    assert {f.name for f in fields(GRPOConfig) if f.init} <= set(record["trl"])  # every field, defaults too
    assert {"loss_type", "scale_rewards", "epsilon", "vllm_mode", "beta"} <= set(record["trl"])
    assert record["trl"]["seed"] == 7 and record["trl"]["output_dir"] == str(tmp_path / "out" / "_trainer")
    assert record["trl"]["save_strategy"] == "steps" and record["trl"]["save_total_limit"] == 2
    assert record["harness"]["rewards"] == ["accuracy"]


@pytest.mark.parametrize(
    ("dtype", "device", "asked", "expected"),
    [
        (torch.bfloat16, "cpu", None, False),  # float32 on CPU
        (torch.float32, "cpu", False, False),
        (None, "cpu", None, False),
    ],
)
def test_precision_on_cpu(dtype: torch.dtype | None, device: str, asked: bool | None, expected: bool) -> None:
    assert precision(dtype, device, asked) is expected


def test_bf16_where_the_device_has_none_is_refused() -> None:
    with pytest.raises(InputError, match="bf16: true"):
        precision(torch.bfloat16, "cpu", True)


def test_cuda_bf16_follows_the_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: True)
    assert precision(torch.bfloat16, "cuda", None) is True
    assert precision(torch.float32, "cuda", None) is False  # a float32 checkpoint stays float32
    assert precision(torch.float32, "cuda:1", True) is True


def test_renamed_fields_map_to_the_names_an_older_transformers_has() -> None:
    # transformers < 5.20 (beside vLLM 0.32) knows only gradient_checkpointing*.
    @dataclass
    class Old:
        gradient_checkpointing: bool = False
        gradient_checkpointing_kwargs: dict | None = None

    @dataclass
    class New:
        activation_checkpointing: bool = False
        gradient_checkpointing: bool = False

    values = {"activation_checkpointing": True, "activation_checkpointing_kwargs": {"use_reentrant": False}}
    assert _field_names(Old, values) == {
        "gradient_checkpointing": True,
        "gradient_checkpointing_kwargs": {"use_reentrant": False},
    }
    assert _field_names(New, {"activation_checkpointing": True}) == {"activation_checkpointing": True}
