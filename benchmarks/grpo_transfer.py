"""Does GRPO on the embedded model learn a skill or the items? (issue 21's diagnosis)

    python benchmarks/grpo_transfer.py [--items 8] [--held-out 32] [--steps 40] [--lr 1e-4]

GRPO (preset `tiny`, Dr. GRPO loss, no reward scaling, 4 prompts x 8 rollouts a step, completions
<= 48 tokens, truncated ones masked) on the pool's first `--items` items, seen over and over; then
the sampled accuracy (T = 1, 32 samples an item) of the base model and of the trained one, on those
items and on the next `--held-out` pool items, which training never saw. A policy that learns a
skill gains on both; one that learns the items gains only on the first.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import datasets
import torch

from harness.core.constants import DEFAULT_MODEL, POOL_TASK
from harness.evaluation.runner import resolve_model
from harness.models.loader import config_dtype, load_model_and_processor
from harness.training.config import stage
from harness.training.data import grpo_dataset, training_items
from harness.training.grpo import grpo_train
from harness.training.rewards import score_completion

SAMPLES = 32


def sampled_accuracy(model_path: str, items: datasets.Dataset) -> list[float]:
    """Per item: the share of SAMPLES completions at T = 1 that the accuracy reward pays."""
    model, processor = load_model_and_processor(model_path, device="cpu")
    torch.manual_seed(0)
    out = []
    for row in items:
        text = processor.apply_chat_template(row["prompt"], add_generation_prompt=True, tokenize=False)
        enc = processor(text=[text], images=row["images"], return_tensors="pt")
        with torch.no_grad():
            ids = model.generate(**enc, do_sample=True, temperature=1.0, top_k=0, top_p=1.0,
                                 max_new_tokens=48, num_return_sequences=SAMPLES)  # fmt: skip
        completions = processor.batch_decode(ids[:, enc["input_ids"].shape[1] :], skip_special_tokens=True)
        scores = [score_completion(c, row["solution"], row.get("answer_type"), row.get("choices"), row.get("keywords"))
                  for c in completions]  # fmt: skip
        out.append(sum(scores) / SAMPLES)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--items", type=int, default=8)
    ap.add_argument("--held-out", type=int, default=32)
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--out", type=Path, default=Path("runs/bench/grpo-transfer"))
    args = ap.parse_args()
    base, _ = resolve_model(DEFAULT_MODEL)
    pool = grpo_dataset(training_items(POOL_TASK))
    seen = pool.select(range(args.items))
    held = pool.select(range(args.items, args.items + args.held_out))
    copies = args.steps * 4 // args.items + 1
    overrides = {"max_steps": args.steps, "per_device_train_batch_size": 32, "learning_rate": args.lr,
                 "logging_steps": 1, "loss_type": "dr_grpo", "scale_rewards": "none",
                 "max_completion_length": 48, "mask_truncated_completions": True, "save_steps": 10_000}  # fmt: skip
    cfg = stage("grpo", "tiny", args.out / "model", 0, "cpu", config_dtype(base), overrides)
    trained = str(grpo_train(base, datasets.concatenate_datasets([seen] * copies), args.out / "model", cfg))
    lines = ["| model | trained items | held-out items |", "|---|--:|--:|"]
    for name, path in (("tiny-base", base), ("after GRPO", trained)):
        a, b = sampled_accuracy(path, seen), sampled_accuracy(path, held)
        lines.append(f"| {name} | {100 * sum(a) / len(a):.1f} | {100 * sum(b) / len(b):.1f} |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
