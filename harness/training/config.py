"""Training settings as data: a preset YAML parsed straight into TRL's `GRPOConfig` / `SFTConfig`.

A preset (harness/training/presets/<name>.yaml, or any YAML path) has up to three sections:

    grpo:     trl.GRPOConfig fields, by TRL's own names
    sft:      trl.SFTConfig fields
    harness:  the harness's additions, which TRL has no field for
      grpo:   rewards, system_prompt, prompt_suffix            (GRPOExtras)
      sft:    target_format, freeze_vision_tower, vision_lr_scale  (SFTExtras)

The TRL sections are parsed by transformers' `HfArgumentParser`, so a key TRL does not know is an
error (one line naming the preset, section and key), and every field not in the preset keeps TRL's
default, below the few harness defaults of `HARNESS_DEFAULTS`. The whole `args.to_dict()` goes into
each checkpoint's manifest: nothing TRL decided is left out of the record.

The harness sets some fields itself for every run (`OWNED`): a preset naming one is refused with
what decides it instead. Precision is decided from the device and the model (`precision`): bf16
where the device supports it and the model's config is bf16 (TRL's own default is bf16 on), float32
on CPU; a preset may say `bf16: false`, and `bf16: true` on a device without bf16 is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import torch
import yaml
from transformers import HfArgumentParser
from trl import GRPOConfig, SFTConfig

from harness.core.errors import InputError

PRESETS_DIR = Path(__file__).parent / "presets"
SECTIONS = ("grpo", "sft", "harness")


@dataclass
class GRPOExtras:
    """The harness's GRPO settings beside TRL's: which rewards, and how prompts are dressed."""

    rewards: list[str] = field(default_factory=lambda: ["accuracy"])  # harness.training.rewards
    system_prompt: str | None = None
    # Appended to the task's own prompt (its doc_to_text): the answer format the reward checks.
    prompt_suffix: str = ""


@dataclass
class SFTExtras:
    """The harness's SFT settings beside TRL's."""

    target_format: str = "think_answer"  # harness.training.data.TARGET_FORMATS
    # Freeze the vision encoder's blocks and patch embedding (the merger still trains).
    freeze_vision_tower: bool = False
    # Learning rate of the vision encoder relative to the rest (when not frozen): a randomly
    # initialised tower trained at the language model's rate collapses.
    vision_lr_scale: float = 1.0


# Fields the harness sets for every run, and what sets them.
OWNED = {
    "output_dir": "--out",
    "seed": "--seed",
    "data_seed": "--seed",
    "use_cpu": "--device",
    "fp16": "the device and the model (bf16 or float32)",
    "remove_unused_columns": "the harness (images must reach the collator)",
    "resume_from_checkpoint": "the harness (the last checkpoint of the same run, found in --out)",
}
# Below the preset, above TRL's defaults: checkpoints as the run goes (a lost node loses at most
# `save_steps`), the last two kept; no experiment tracker unless the preset names one.
HARNESS_DEFAULTS: dict[str, Any] = {
    "save_strategy": "steps",
    "save_steps": 50,
    "save_total_limit": 2,
    "report_to": "none",
    "logging_steps": 1,
    "dataloader_num_workers": 0,
    "disable_tqdm": False,
}
# Fixed for SFT: the harness builds its examples itself (prompt/completion/images) and trains on
# the completion only.
SFT_FIXED: dict[str, Any] = {
    "dataset_kwargs": {"skip_prepare_dataset": True},
    "max_length": None,
    "completion_only_loss": True,
}


@dataclass
class Stage:
    """One training stage's complete settings: TRL's config and the harness's additions."""

    args: Any  # GRPOConfig | SFTConfig
    extras: Any  # GRPOExtras | SFTExtras

    def to_dict(self) -> dict[str, Any]:
        """Everything that decides the stage, for its manifest (TRL's whole config)."""
        return {"trl": self.args.to_dict(), "harness": _plain(self.extras)}


def _plain(extras: Any) -> dict[str, Any]:
    return {f.name: getattr(extras, f.name) for f in fields(extras)}


def preset_path(name_or_path: str) -> Path:
    path = Path(name_or_path)
    if not path.suffix:
        path = PRESETS_DIR / f"{name_or_path}.yaml"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in PRESETS_DIR.glob("*.yaml")))
        raise InputError(f"--preset {name_or_path!r}: not found (known: {known}, or a YAML path)")
    return path


def load_preset(name_or_path: str) -> dict[str, Any]:
    """A preset's sections as dicts, checked for unknown sections."""
    path = preset_path(name_or_path)
    data = yaml.safe_load(path.read_text()) or {}
    unknown = sorted(set(data) - set(SECTIONS))
    if unknown:
        raise InputError(f"preset {path}: unknown section(s) {unknown}; a preset has {list(SECTIONS)}")
    return {k: dict(data.get(k) or {}) for k in SECTIONS}


def precision(model_dtype: torch.dtype | None, device: str, asked: bool | None) -> bool:
    """Whether the run trains in bf16: asked by the preset (`bf16:`), else where the device has it
    and the model's config is bf16 (float32 on CPU: bf16 autocast there is slower, not faster)."""
    on_cuda = device.startswith("cuda") and torch.cuda.is_available()
    supported = on_cuda and torch.cuda.is_bf16_supported()
    if asked and not supported:
        raise InputError(
            f"preset: bf16: true, but device {device!r} has no bf16 (say bf16: false or use a GPU)"
        )
    if asked is not None:
        return asked
    return supported and model_dtype in (torch.bfloat16, None)


def load_dtype(base: str | Path, bf16: bool) -> torch.dtype:
    """The dtype a stage loads its model in: the checkpoint's own (bf16 for the released Qwen
    models) when training in bf16, as TRL loads a model it is given by name; float32 otherwise."""
    from harness.models.loader import config_dtype

    return (config_dtype(base) or torch.bfloat16) if bf16 else torch.float32


# transformers 5.20 renamed TrainingArguments' gradient_checkpointing* to activation_checkpointing*
# (the old names stay as deprecated aliases). Presets use the new names; an environment with vLLM
# beside TRL has transformers < 5.20 (vLLM 0.32 pins it), where only the old names exist.
_RENAMED = {
    "activation_checkpointing": "gradient_checkpointing",
    "activation_checkpointing_kwargs": "gradient_checkpointing_kwargs",
}


def _field_names(cls: Any, values: dict[str, Any]) -> dict[str, Any]:
    known = {f.name for f in fields(cls)}
    return {(_RENAMED[k] if k not in known and _RENAMED.get(k) in known else k): v for k, v in values.items()}


def _parse(cls: Any, values: dict[str, Any], where: str) -> Any:
    values = _field_names(cls, values)
    try:
        (parsed,) = HfArgumentParser(cls).parse_dict(values, allow_extra_keys=False)
    except (ValueError, TypeError) as e:
        raise InputError(f"{where}: {e}") from e
    return parsed


def stage(
    kind: str,
    preset: str,
    out: Path,
    seed: int,
    device: str,
    model_dtype: torch.dtype | None = None,
    overrides: dict[str, Any] | None = None,
) -> Stage:
    """The `kind` ("grpo" or "sft") stage of `preset`, for a run writing to `out` with `seed` on
    `device`. `overrides` are TRL or harness fields by name (the CLI's few options), applied over
    the preset."""
    sections = load_preset(preset)
    trl_cls, extras_cls = (GRPOConfig, GRPOExtras) if kind == "grpo" else (SFTConfig, SFTExtras)
    trl_values = dict(sections[kind])
    extra_values = dict(sections["harness"].get(kind) or {})
    extra_names = {f.name for f in fields(extras_cls)}
    for key, value in (overrides or {}).items():
        (extra_values if key in extra_names else trl_values)[key] = value
    owned = sorted(set(trl_values) & set(OWNED))
    if owned:
        raise InputError(
            f"preset {preset!r}: {kind}: {owned[0]} is set by {OWNED[owned[0]]}, not by a preset"
        )
    bf16 = precision(model_dtype, device, trl_values.pop("bf16", None))
    values = {
        **HARNESS_DEFAULTS,
        **(SFT_FIXED if kind == "sft" else {}),
        **trl_values,
        "output_dir": str(out / "_trainer"),
        "seed": seed,
        "data_seed": seed,
        "use_cpu": device == "cpu",
        "bf16": bf16,
        "fp16": False,
        "remove_unused_columns": False,
    }
    args = _parse(trl_cls, values, f"preset {preset!r}: {kind} (trl.{trl_cls.__name__})")
    extras = _parse(extras_cls, extra_values, f"preset {preset!r}: harness.{kind}")
    if kind == "grpo":
        _check_rewards(extras, preset)
    return Stage(args, extras)


def _check_rewards(extras: GRPOExtras, preset: str) -> None:
    from harness.training.rewards import REWARD_FUNCS

    unknown = [r for r in extras.rewards if r not in REWARD_FUNCS]
    if unknown:
        raise InputError(
            f"preset {preset!r}: harness.grpo.rewards: unknown {unknown}; known: {sorted(REWARD_FUNCS)}"
        )


__all__ = ["GRPOExtras", "SFTExtras", "Stage", "load_dtype", "load_preset", "precision", "stage"]
