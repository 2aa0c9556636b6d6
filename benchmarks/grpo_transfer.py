"""Does GRPO on the embedded model learn a skill or the items? (issue 21's diagnosis)

    python benchmarks/grpo_transfer.py [--items 8] [--held-out 32] [--steps 40] [--lr 1e-4]

GRPO (preset `tiny`, Dr. GRPO loss, no reward scaling, 4 prompts x 8 rollouts a step, completions
<= 48 tokens, truncated ones masked) on the pool's first `--items` items, seen over and over; then
the sampled accuracy (T = 1, 32 samples an item: PISM's unmasked attempts, scored by the pool
task) of the base model and of the trained one, on those items and on the next `--held-out` pool
items, which training never saw. A policy that learns a
skill gains on both; one that learns the items gains only on the first.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import datasets

from harness.core.constants import DEFAULT_MODEL, POOL_TASK
from harness.difficulty.pism import PISMConfig
from harness.difficulty.pism_runner import PISMRun, ScoreRequest
from harness.evaluation.runner import resolve_model
from harness.models.loader import config_dtype
from harness.training.config import stage
from harness.training.data import grpo_dataset, training_items
from harness.training.grpo import grpo_train

SAMPLES = 32
# PISM's unmasked attempts, every one of them (full_curve): SAMPLES seeded samples an item at T = 1,
# scored by the pool task's own scorer, as `bench_base_model` measures pass@8.
SAMPLING = PISMConfig(ratios=(0.0,), k=SAMPLES, temperature=1.0, max_new_tokens=48)


def sampled_accuracy(model_path: str, offset: int, limit: int, out: Path) -> float:
    """Mean share of SAMPLES completions at T = 1 scored right, over pool items [offset, offset + limit)."""
    req = ScoreRequest(model_path, Path(model_path).name, POOL_TASK, out, SAMPLING, full_curve=True,
                       limit=limit, offset=offset)  # fmt: skip
    table = PISMRun(req).run()
    return float(table["pism_curve"].map(lambda curve: float(curve[0])).mean())


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
    copies = args.steps * 4 // args.items + 1
    overrides = {"max_steps": args.steps, "per_device_train_batch_size": 32, "learning_rate": args.lr,
                 "logging_steps": 1, "loss_type": "dr_grpo", "scale_rewards": "none",
                 "max_completion_length": 48, "mask_truncated_completions": True, "save_steps": 10_000}  # fmt: skip
    cfg = stage("grpo", "tiny", args.out / "model", 0, "cpu", config_dtype(base), overrides)
    trained = str(grpo_train(base, datasets.concatenate_datasets([seen] * copies), args.out / "model", cfg))
    lines = ["| model | trained items | held-out items |", "|---|--:|--:|"]
    for name, path in (("tiny-base", base), ("after GRPO", trained)):
        a = sampled_accuracy(path, 0, args.items, args.out / name / "trained")
        b = sampled_accuracy(path, args.items, args.held_out, args.out / name / "held-out")
        lines.append(f"| {name} | {100 * a:.1f} | {100 * b:.1f} |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
