"""GRPO on the embedded base model, end to end on CPU: does the reward rise, and what does it do to
accuracy on the six synthetic benchmarks?

    python benchmarks/grpo_tiny.py [--steps 300] [--seed 0] [--out runs/grpo-demo]

Trains GRPO-only on the embedded pool with the `tiny` preset, evaluates the base model and the
checkpoint with `harness eval`, compares them with `harness compare`, and writes report.md: mean
reward in the first and last tenth of steps, and accuracy per benchmark before and after.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from harness.train.plots import reward_summary


def harness(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "harness.cli", *args], check=True)


def accuracy(run: Path) -> pd.Series:
    rows = {p.parent.name: json.loads(p.read_text())["score"] for p in sorted(run.glob("*/summary.json"))}
    return pd.Series(rows, dtype=float)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=Path("runs/grpo-demo"))
    args = ap.parse_args()
    ckpt = args.out / "grpo-full"
    started = time.time()
    harness("train", "--paradigm", "grpo_only", "--out", str(ckpt), "--max-steps", str(args.steps),
            "--seed", str(args.seed))  # fmt: skip
    train_s = time.time() - started
    log = json.loads((ckpt / "train_log.json").read_text())["log"]
    reward = reward_summary(log)
    evals = args.out / "eval"
    harness("eval", "--quiet", "--out", str(evals), "--label", "tiny-base")
    harness("eval", "--quiet", "--model", str(ckpt), "--out", str(evals), "--label", "grpo-full")
    harness("compare", str(evals / "tiny-base"), str(evals / "grpo-full"), "--out", str(args.out / "compare"))
    before, after = accuracy(evals / "tiny-base"), accuracy(evals / "grpo-full")
    table = pd.DataFrame({"before": 100 * before, "after": 100 * after, "change": 100 * (after - before)})
    table.loc["macro mean"] = table.mean()
    lines = [
        "# GRPO on the embedded base model",
        "",
        f"Command: `python benchmarks/grpo_tiny.py --steps {args.steps} --seed {args.seed}` "
        f"(GRPO-only, full pool, preset tiny; training {train_s:.0f} s).",
        "",
        f"Mean reward, first tenth of steps: {reward['first_tenth']:.3f}; last tenth: {reward['last_tenth']:.3f} "
        f"({int(reward['steps'])} logged steps; curve: {ckpt / 'reward.png'}).",
        "",
        "| benchmark | before | after | change |",
        "|---|--:|--:|--:|",
        *[f"| {k} | {r.before:.1f} | {r.after:.1f} | {r.change:+.1f} |" for k, r in table.iterrows()],
        "",
        f"Paired tests per benchmark: {args.out / 'compare' / 'compare.md'}",
    ]
    (args.out / "report.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
