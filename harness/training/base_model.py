"""The embedded base model: the tiny Qwen2.5-VL architecture, SFT-trained on the `pretrain` suite
(synthetic items in the six formats, disjoint from the benchmarks and from the training pool).

    python -m harness.training.base_model --out DIR [--seed 0]

regenerates the shipped weights byte for byte (same seed, same library versions, the same kind of
CPU, OMP_NUM_THREADS=1; another CPU generation sums floats in another order): the vision tower is first pretrained on perception targets
(harness.training.vision_pretrain), then frozen while SFT trains the merger and the language model.
The model answers in the <think>...</think><answer>...</answer> format that GRPO's reward later
checks, and lands mid-range on the six synthetic benchmarks, so that difficulty tiers and GRPO have
something to work with.
"""

from __future__ import annotations

import argparse
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import datasets

from harness.models.tiny import TinyVLMConfig, build_tiny_vlm
from harness.synth.datasets import build_suite
from harness.synth.suite import PROMPT_SUFFIX
from harness.training.config import stage
from harness.training.data import ITEM_FEATURES, sft_dataset, target_text
from harness.training.sft import sft_train
from harness.training.vision_pretrain import VisionPretrainConfig, pretrain_vision

# SFT at lr 5e-4 with the vision tower frozen (the merger and the language model train): trained
# through the SFT loss, the tower does worse than left alone. Measured on colour questions alone
# (300 steps, tower at random): frozen 81% correct, trained 45%; at lr >= 1e-3 the trained tower
# collapses every colour to one feature and the model answers from the text alone.
# Rationales that name what is seen ("The circle is red.") and then reach the answer in steps a small
# model can take (harness.synth.formats: walking the options, stating the asked-about fact) are what
# lift it above chance on letter and yes/no formats; a larger or more varied training set, a higher
# rate, or training the tower at 0.1-0.3x the rate did not (BENCHMARKS.md).
# Pretraining the tower on perception targets first (harness.training.vision_pretrain) lifts the
# macro from 36.7 (tower left at random) to 41.0-42.1 (two builds; counts and sizes, not reading):
# the shipped model is built that way.
BASE_PRESET = "tiny-base"  # harness/training/presets/tiny-base.yaml
# Qwen's own initialisation scale: the wide 0.2 of `tiny-random` (chosen for varied untrained
# output) makes the vision path too noisy to learn from.
# A vision tower four times as wide (256) as `tiny-random`'s: frozen at random, it is a random
# projection of each patch, and a wider one keeps more of what the patch shows. Its own effect is not
# isolated: the shipped build (36.7 macro) also has the varied backgrounds, and the nearest build with
# hidden 64 (35.2) had a 256-wide language model and none (BENCHMARKS.md, "The embedded base model").
# A language model twice as wide did not help (30.9 vs 32.6 on the earlier data) and trains 2.5x slower.
BASE_ARCH = TinyVLMConfig(
    initializer_range=0.02, vision_hidden_size=256, vision_intermediate_size=512, vision_num_heads=4
)
BASE_VISION = VisionPretrainConfig()  # the shipped model's perception pretraining


def build_base_model(
    out: str | Path,
    seed: int = 0,
    overrides: dict[str, Any] | None = None,
    limit: int | None = None,
    arch: TinyVLMConfig | None = None,
    vision: VisionPretrainConfig | None = BASE_VISION,
) -> Path:
    """Train the base model into `out` (model, processor, train_log.json, vision_pretrain.json);
    `overrides` are SFT fields over the `tiny-base` preset. The vision tower is first pretrained as
    `vision` says (harness.training.vision_pretrain); with `vision=None` it stays at its random
    initialisation (the earlier base model, macro 36.7)."""
    out = Path(out)
    data = datasets.load_dataset("parquet", data_files=str(build_suite("pretrain")), split="train")
    if limit is not None:
        data = data.select(range(min(limit, len(data))))
    corpus = [f"{q}{PROMPT_SUFFIX}" for q in data["question"]]
    corpus += [target_text(a, r) for a, r in zip(data["answer"], data["rationale"], strict=True)]
    init = out.with_name(out.name + ".init")
    build_tiny_vlm(init, replace(arch or BASE_ARCH, seed=seed), corpus)
    if vision is not None:
        pretrain_vision(init, replace(vision, seed=seed))
    sft = stage("sft", BASE_PRESET, out, seed, "cpu", overrides=overrides)
    sft_train(init, sft_dataset(_items(data), "", sft.extras.target_format), out, sft)
    if vision is not None:
        shutil.copy(init / "vision_pretrain.json", out / "vision_pretrain.json")
    shutil.rmtree(init)
    shutil.rmtree(out / "_trainer", ignore_errors=True)  # checkpoints: not part of the shipped model
    return out


def _items(data: datasets.Dataset) -> datasets.Dataset:
    """The pretrain suite (not an lmms-eval task) as training items, its prompts as the synthetic
    tasks write them."""

    def convert(row: dict[str, Any]) -> dict[str, Any]:
        return {"item_id": row["item_id"], "prompt": f"{row['question']}{PROMPT_SUFFIX}", "images": [row["image"]],
                "solution": row["answer"], "rationale": row["rationale"] or "", "answer_type": row["answer_type"],
                "choices": row["choices"], "keywords": row["keywords"]}  # fmt: skip

    return data.map(convert, remove_columns=data.column_names, features=ITEM_FEATURES)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=float, help="num_train_epochs (default: the preset's)")
    parser.add_argument("--max-steps", type=int)
    parser.add_argument("--lr", type=float)
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--limit", type=int, default=None, help="train on the first N items only")
    parser.add_argument("--no-vision-pretrain", action="store_true",
                        help="leave the vision tower at its random initialisation (the earlier base model)")  # fmt: skip
    parser.add_argument("--vision-lr-scale", type=float,
                        help="train the vision tower too, at this fraction of the learning rate (default: frozen)")  # fmt: skip
    args = parser.parse_args()
    names = {"epochs": "num_train_epochs", "max_steps": "max_steps", "lr": "learning_rate",
             "batch_size": "per_device_train_batch_size"}  # fmt: skip
    overrides: dict[str, Any] = {
        trl: getattr(args, ours) for ours, trl in names.items() if getattr(args, ours) is not None
    }
    if args.vision_lr_scale is not None:
        overrides |= {"freeze_vision_tower": False, "vision_lr_scale": args.vision_lr_scale}
    vision = None if args.no_vision_pretrain else BASE_VISION
    print(build_base_model(args.out, args.seed, overrides, args.limit, vision=vision))


if __name__ == "__main__":
    main()
