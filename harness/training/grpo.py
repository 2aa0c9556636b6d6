"""GRPO with TRL's GRPOTrainer for vision-language models (CPU or GPU).

One documented recipe dataclass; presets are YAML data (harness/training/presets/). The processor is
passed explicitly (`processing_class=`): TRL would otherwise load one with AutoProcessor, which needs
torchvision for Qwen2.5-VL in transformers 5.x.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import datasets
import torch
import yaml
from transformers import set_seed
from trl import GRPOConfig, GRPOTrainer

from harness.core.files import atomic_write_json
from harness.models.loader import load_model_and_processor
from harness.training.plots import plot_rewards
from harness.training.rewards import REWARD_FUNCS

PRESETS_DIR = Path(__file__).parent / "presets"


@dataclass
class GRPORecipe:
    """Hyper-parameters of one GRPO run."""

    num_generations: int = 8  # G: rollouts per prompt, the group each advantage is relative to
    temperature: float = 1.0
    beta: float = 0.001  # KL coefficient against the starting model
    learning_rate: float = 5e-7
    epochs: float = 1.0
    max_steps: int = -1
    max_completion_length: int = 1024
    batch_size: int = 8  # completions per device per step (a multiple of num_generations)
    gradient_accumulation_steps: int = 1
    rewards: list[str] = field(default_factory=lambda: ["accuracy"])
    system_prompt: str | None = None
    prompt_suffix: str = ""
    use_vllm: bool = False
    bf16: bool = False
    seed: int = 0
    logging_steps: int = 1


def load_preset(name_or_path: str, section: str) -> dict[str, Any]:
    """A preset's section ("grpo" or "sft") as a dict: `tiny`, `paper`, or a path to a YAML file."""
    path = Path(name_or_path)
    if not path.suffix:
        path = PRESETS_DIR / f"{name_or_path}.yaml"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in PRESETS_DIR.glob("*.yaml")))
        raise FileNotFoundError(f"preset {name_or_path!r} not found (known: {known}, or a YAML path)")
    data = yaml.safe_load(path.read_text()) or {}
    if section not in data:
        raise ValueError(f"preset {path} has no {section!r} section")
    return dict(data[section])


def grpo_recipe(preset: str, **overrides: Any) -> GRPORecipe:
    values = {**load_preset(preset, "grpo"), **{k: v for k, v in overrides.items() if v is not None}}
    known = {f.name for f in fields(GRPORecipe)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValueError(f"unknown GRPO settings in preset {preset!r}: {unknown}")
    return GRPORecipe(**values)


def grpo_train(
    base: str | Path,
    train: datasets.Dataset,
    out_dir: str | Path,
    recipe: GRPORecipe,
    device: str = "cpu",
) -> Path:
    """GRPO on prompt/images/solution examples; save model + processor + train_log.json to out_dir."""
    if recipe.batch_size % recipe.num_generations:
        raise ValueError(
            f"batch_size ({recipe.batch_size}) must be a multiple of num_generations ({recipe.num_generations})"
        )
    unknown = [r for r in recipe.rewards if r not in REWARD_FUNCS]
    if unknown:
        raise ValueError(f"unknown reward(s) {unknown}; known: {sorted(REWARD_FUNCS)}")
    set_seed(recipe.seed)
    model, processor = load_model_and_processor(base, device=device, dtype=torch.float32)
    out = Path(out_dir)
    args = GRPOConfig(
        output_dir=str(out / "_trainer"),
        num_train_epochs=recipe.epochs,
        max_steps=recipe.max_steps,
        learning_rate=recipe.learning_rate,
        per_device_train_batch_size=recipe.batch_size,
        gradient_accumulation_steps=recipe.gradient_accumulation_steps,
        num_generations=recipe.num_generations,
        temperature=recipe.temperature,
        beta=recipe.beta,
        max_completion_length=recipe.max_completion_length,
        seed=recipe.seed,
        data_seed=recipe.seed,
        logging_steps=recipe.logging_steps,
        save_strategy="no",
        report_to=[],
        use_cpu=device == "cpu",
        use_vllm=recipe.use_vllm,
        bf16=recipe.bf16 and device != "cpu",
        fp16=False,
        dataloader_num_workers=0,
        remove_unused_columns=False,
        gradient_checkpointing=False,
        disable_tqdm=False,
    )
    trainer = GRPOTrainer(
        model=model,
        args=args,
        reward_funcs=[REWARD_FUNCS[r] for r in recipe.rewards],
        train_dataset=train,
        processing_class=processor,
    )
    trainer.train()
    model.eval()
    model.save_pretrained(out)
    processor.save_pretrained(out)
    history: list[dict[str, Any]] = trainer.state.log_history
    atomic_write_json(out / "train_log.json", {"recipe": asdict(recipe), "log": history})
    plot_rewards(history, out / "reward.png")
    return out
