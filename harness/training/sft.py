"""Supervised fine-tuning of a vision-language model with TRL's SFTTrainer (CPU or GPU).

The settings are one `Stage` (harness.training.config): TRL's `SFTConfig`, parsed from a preset, and
the harness's target format and vision-tower settings. The processor is always passed explicitly
(`processing_class=`): TRL would otherwise load one with AutoProcessor, which needs torchvision for
the Qwen families in transformers 5.x. Checkpoints, resume and the order of config and model loading
are GRPO's (harness.training.grpo).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import datasets
import torch
from transformers import set_seed
from trl import SFTTrainer

from harness.models.families import family_of
from harness.models.loader import load_model_and_processor
from harness.training.checkpoints import finished, resume_point, run_settings, save_final, write_log
from harness.training.config import SFTExtras, Stage, load_dtype


def _optimizer(model: Any, args: Any, extras: SFTExtras) -> torch.optim.Optimizer | None:
    """AdamW with the vision tower at its own learning rate; None (the Trainer's default) when all
    parameters share one rate."""
    if extras.vision_lr_scale == 1.0 or extras.freeze_vision_tower:
        return None
    in_tower = {name for name, _ in family_of(model.config).vision_tower_parameters(model)}
    tower: list[torch.nn.Parameter] = []
    rest: list[torch.nn.Parameter] = []
    for name, param in model.named_parameters():
        if param.requires_grad:
            (tower if name in in_tower else rest).append(param)
    groups = [
        {"params": rest, "lr": args.learning_rate},
        {"params": tower, "lr": args.learning_rate * extras.vision_lr_scale},
    ]
    return torch.optim.AdamW(groups, lr=args.learning_rate, weight_decay=args.weight_decay)


def sft_train(base: str | Path, train: datasets.Dataset, out_dir: str | Path, stage: Stage) -> Path:
    """Fine-tune `base` on prompt/completion/images examples; save model + processor +
    train_log.json to out_dir (resuming an unfinished run of the same settings there)."""
    out = Path(out_dir)
    settings = run_settings(stage, base, train)
    if finished(out, settings):
        return out
    args, extras = stage.args, stage.extras
    set_seed(args.seed)
    model, processor = load_model_and_processor(
        base, device=None, dtype=load_dtype(base, args.bf16)
    )  # the trainer places it
    model.train()
    if extras.freeze_vision_tower:
        for _, param in family_of(model.config).vision_tower_parameters(model):
            param.requires_grad_(False)
    trainer = SFTTrainer(
        model=model,
        args=args,
        train_dataset=train,
        processing_class=processor,
        optimizers=(_optimizer(model, args, extras), None),
    )
    resumed_from = resume_point(out, settings)
    trainer.train(resume_from_checkpoint=resumed_from)
    save_final(trainer, out)
    if trainer.is_world_process_zero():
        write_log(out, settings, stage, trainer.state.log_history, resumed_from)
    return out
