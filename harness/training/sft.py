"""Supervised fine-tuning of a vision-language model with TRL's SFTTrainer (CPU or GPU).

The processor is always passed explicitly (`processing_class=`): TRL would otherwise load one with
AutoProcessor, which needs torchvision for Qwen2.5-VL in transformers 5.x.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import datasets
import torch
from transformers import set_seed
from trl import SFTConfig, SFTTrainer

from harness.core.files import atomic_write_json
from harness.models.families import family_of
from harness.models.loader import load_model_and_processor


@dataclass
class SFTRecipe:
    """Hyper-parameters of one SFT run (defaults suit the tiny embedded model on CPU)."""

    epochs: float = 3.0
    learning_rate: float = 2e-3
    batch_size: int = 16
    gradient_accumulation_steps: int = 1
    warmup_ratio: float = 0.05
    weight_decay: float = 0.0
    lr_scheduler_type: str = "cosine"
    max_steps: int = -1
    seed: int = 0
    logging_steps: int = 10
    # Freeze the vision encoder's blocks and patch embedding (the merger still trains).
    freeze_vision_tower: bool = False
    # Learning rate of the vision encoder's blocks and patch embedding relative to the rest (when
    # not frozen): a randomly initialised tower trained at the language model's rate collapses.
    vision_lr_scale: float = 1.0


def _optimizer(model: Any, recipe: SFTRecipe) -> torch.optim.Optimizer | None:
    """AdamW with the vision tower at its own learning rate; None (the Trainer's default) when all
    parameters share one rate."""
    if recipe.vision_lr_scale == 1.0 or recipe.freeze_vision_tower:
        return None
    in_tower = {name for name, _ in family_of(model.config).vision_tower_parameters(model)}
    tower: list[torch.nn.Parameter] = []
    rest: list[torch.nn.Parameter] = []
    for name, param in model.named_parameters():
        if param.requires_grad:
            (tower if name in in_tower else rest).append(param)
    groups = [
        {"params": rest, "lr": recipe.learning_rate},
        {"params": tower, "lr": recipe.learning_rate * recipe.vision_lr_scale},
    ]
    return torch.optim.AdamW(groups, lr=recipe.learning_rate, weight_decay=recipe.weight_decay)


def sft_train(
    base: str | Path,
    train: datasets.Dataset,
    out_dir: str | Path,
    recipe: SFTRecipe,
    device: str = "cpu",
) -> Path:
    """Fine-tune `base` on prompt/completion/images examples; save model + processor to out_dir."""
    set_seed(recipe.seed)
    model, processor = load_model_and_processor(base, device=device, dtype=torch.float32)
    model.train()
    if recipe.freeze_vision_tower:
        for _, param in family_of(model.config).vision_tower_parameters(model):
            param.requires_grad_(False)
    out = Path(out_dir)
    args = SFTConfig(
        output_dir=str(out / "_trainer"),
        num_train_epochs=recipe.epochs,
        max_steps=recipe.max_steps,
        learning_rate=recipe.learning_rate,
        per_device_train_batch_size=recipe.batch_size,
        gradient_accumulation_steps=recipe.gradient_accumulation_steps,
        warmup_steps=recipe.warmup_ratio,  # a float < 1 is a ratio of total steps in transformers 5
        weight_decay=recipe.weight_decay,
        lr_scheduler_type=recipe.lr_scheduler_type,
        seed=recipe.seed,
        data_seed=recipe.seed,
        logging_steps=recipe.logging_steps,
        save_strategy="no",
        report_to=[],
        use_cpu=device == "cpu",
        dataloader_num_workers=0,
        # Images must reach the collator: keep the raw columns.
        remove_unused_columns=False,
        dataset_kwargs={"skip_prepare_dataset": True},
        max_length=None,
        completion_only_loss=True,
        bf16=False,
        fp16=False,
        disable_tqdm=False,
        # TRL turns activation checkpointing on by default; for small models it only costs time.
        gradient_checkpointing=False,
    )
    trainer = SFTTrainer(
        model=model,
        args=args,
        train_dataset=train,
        processing_class=processor,
        optimizers=(_optimizer(model, recipe), None),
    )
    trainer.train()
    model.eval()
    model.save_pretrained(out)
    processor.save_pretrained(out)
    history: list[dict[str, Any]] = trainer.state.log_history
    atomic_write_json(out / "train_log.json", {"recipe": asdict(recipe), "log": history})
    return out
