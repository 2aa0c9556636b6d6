"""A training run's plan before it runs: the model's shape and size, the memory of its model states
per GPU, and its configs checked by the tools that will read them.

    python -m harness.training.plan --model DIR --preset paper \
        --accelerate-config configs/accelerate/deepspeed_zero3.yaml

The model is built from its config on the meta device, so no weights are read and a 7B model (or
`--shape qwen2_5_vl_7b`, the released Qwen2.5-VL-7B's shapes, without its checkpoint) costs nothing.

Memory is DeepSpeed's accounting of model states under mixed precision (ZeRO paper, §3): bf16
weights (2 bytes per parameter) and gradients (2 per trainable parameter), and AdamW's fp32 master
weights, first and second moments (12 per trainable parameter); under ZeRO-3 each is split over the
GPUs. GRPO with β > 0 adds TRL's reference copy (bf16, split the same way). Activations are not in
it: they depend on the sequence length and batch, and activation checkpointing keeps them to a layer
at a time. DeepSpeed's own estimator (`estimate_zero3_model_states_mem_needs_all_cold`) computes the
same figure, but DeepSpeed is a GPU-node install and not a dependency of the harness.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

GiB = 2**30
# Qwen2.5-VL-7B-Instruct's released config (its config.json), for a plan without the checkpoint.
SHAPES: dict[str, dict[str, Any]] = {
    "qwen2_5_vl_7b": {
        "text_config": {"hidden_size": 3584, "intermediate_size": 18944, "num_hidden_layers": 28,
                        "num_attention_heads": 28, "num_key_value_heads": 4, "vocab_size": 152064,
                        "tie_word_embeddings": False},
        "vision_config": {"depth": 32, "hidden_size": 1280, "intermediate_size": 3420, "num_heads": 16,
                          "out_hidden_size": 3584, "fullatt_block_indexes": [7, 15, 23, 31]},
    },
}  # fmt: skip


@dataclass
class MemoryPlan:
    """Model-state memory of one training run (bytes are exact; GiB in `per_gpu`)."""

    model_type: str
    layers: int
    hidden_size: int
    parameters: int
    vision_parameters: int
    trainable: int
    gpus: int
    zero_stage: int
    reference: bool  # GRPO's reference copy (β > 0)

    def per_gpu(self) -> dict[str, float]:
        """GiB per GPU for each model state, and their total."""
        split = self.gpus if self.zero_stage == 3 else 1
        optimizer_split = self.gpus if self.zero_stage >= 1 else 1
        grads_split = self.gpus if self.zero_stage >= 2 else 1
        out = {
            "weights (bf16)": 2 * self.parameters / split,
            "gradients (bf16)": 2 * self.trainable / grads_split,
            "optimizer (fp32 master, Adam m and v)": 12 * self.trainable / optimizer_split,
            "reference model (bf16)": 2 * self.parameters / split if self.reference else 0.0,
        }
        out["total"] = sum(out.values())
        return {k: v / GiB for k, v in out.items()}


def _config(model: str | Path | None, shape: str | None) -> Any:
    from transformers import AutoConfig, Qwen2_5_VLConfig

    if shape is not None:
        return Qwen2_5_VLConfig(**SHAPES[shape])
    return AutoConfig.from_pretrained(str(model))


def plan(
    model: str | Path | None = None,
    gpus: int = 8,
    zero_stage: int = 3,
    reference: bool = True,
    freeze_vision_tower: bool = False,
    shape: str | None = None,
) -> MemoryPlan:
    """The plan of training `model` (a checkpoint directory; only its config is read) or a known
    `shape`, on `gpus` GPUs under ZeRO stage `zero_stage`."""
    from transformers import AutoModelForImageTextToText

    from harness.models.families import family_of

    config = _config(model, shape)
    family = family_of(config)  # refuses what the harness cannot train, naming the model type
    with torch.device("meta"):
        built = AutoModelForImageTextToText.from_config(config)
    total = sum(p.numel() for p in built.parameters())
    vision = sum(p.numel() for _, p in family.vision_tower_parameters(built))
    text = getattr(config, "text_config", config)
    return MemoryPlan(
        model_type=config.model_type, layers=text.num_hidden_layers, hidden_size=text.hidden_size,
        parameters=total, vision_parameters=vision, trainable=total - vision if freeze_vision_tower else total,
        gpus=gpus, zero_stage=zero_stage, reference=reference,
    )  # fmt: skip


def accelerate_settings(path: Path) -> tuple[int, int]:
    """(processes, ZeRO stage) of an accelerate config file, read by accelerate's own loader (which
    refuses a file it cannot use); stage 0 without DeepSpeed."""
    from accelerate.commands.config.config_args import load_config_from_file

    cluster = load_config_from_file(str(path))
    stage = int((cluster.deepspeed_config or {}).get("zero_stage", 0)) if cluster.deepspeed_config else 0
    return int(cluster.num_processes), stage


def render(p: MemoryPlan) -> str:
    lines = [
        f"model: {p.model_type}, {p.layers} layers, hidden {p.hidden_size}",
        f"parameters: {p.parameters:,} ({p.vision_parameters:,} in the vision encoder); trainable {p.trainable:,}",
        f"per GPU, {p.gpus} GPUs, ZeRO-{p.zero_stage} (model states; activations not included):",
    ]
    lines += [f"  {name:<40} {gib:8.2f} GiB" for name, gib in p.per_gpu().items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from harness.core.errors import InputError
    from harness.training.config import stage

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--model", help="checkpoint directory (only config.json is read)")
    source.add_argument(
        "--shape", choices=sorted(SHAPES), help="a known model's shapes, without its checkpoint"
    )
    parser.add_argument("--preset", default="paper")
    parser.add_argument("--gpus", type=int, help="default: the accelerate config's num_processes, else 8")
    parser.add_argument("--accelerate-config", type=Path)
    args = parser.parse_args(argv)
    try:
        # TRL parses both stages of the preset; the GRPO stage (every parameter trained, and the
        # reference copy when β > 0) is the one whose memory is planned.
        grpo = stage("grpo", args.preset, Path("plan"), 0, "cpu")
        stage("sft", args.preset, Path("plan"), 0, "cpu")
        processes, zero = accelerate_settings(args.accelerate_config) if args.accelerate_config else (8, 3)
        result = plan(args.model, args.gpus or processes, zero, grpo.args.beta > 0, shape=args.shape)
    except (InputError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"preset {args.preset!r}: trl.GRPOConfig and trl.SFTConfig parse")
    if args.accelerate_config:
        print(f"{args.accelerate_config}: accelerate reads it ({processes} processes, ZeRO-{zero})")
    print(render(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
