"""The embedded base model: how far above chance, how much it needs the image, and the headroom RL has.

    python benchmarks/bench_base_model.py [--model tiny-base] [--pool-items 400] [--out runs/bench/base-model]

Per synthetic benchmark: accuracy with the images, accuracy with every image replaced by a black one
(`harness eval --black-images`), and chance (1/options for letters, 1/2 for yes/no, the most frequent
answer's share for free-form answers, averaged over the benchmark's items). On the first `--pool-items` items of the training
pool: pass@1 (greedy, `harness eval`) and, from 8 samples at temperature 1.0 (PISM's unmasked
attempts, exhaustive), the mean success rate of one sample and pass@8 (at least one of 8 correct).
GRPO can only sharpen what sampling already finds: pass@8 − pass@1 is its headroom on the pool.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
from _common import headline, table, write

SAMPLES = 8
POOL = "harness_synth_pool"


def harness(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "harness.cli", *args], check=True)


def scores(run: Path) -> dict[str, float]:
    summaries = [json.loads(p.read_text()) for p in sorted(run.glob("*/summary.json"))]
    return {s["benchmark"]: float(s["score"]) for s in summaries}


def chance(run: Path) -> dict[str, float]:
    """What answering without looking scores, per benchmark: a uniform guess among the options for
    letters (1/options), 1/2 for yes/no, and for free-form answers the best constant answer (the share
    of the benchmark's most frequent answer)."""
    from harness.synth.datasets import build_suite

    out = {}
    for path in sorted(run.glob("*/records.parquet")):
        benchmark = str(pd.read_parquet(path, columns=["benchmark"])["benchmark"].iloc[0])
        suite = pd.read_parquet(
            build_suite(benchmark.removeprefix("synth_")), columns=["answer", "answer_type", "choices"]
        )
        modal = suite["answer"].value_counts(normalize=True).iloc[0]
        guess = [1 / len(c) if t == "letter" else 0.5 if t == "yesno" else modal
                 for t, c in zip(suite["answer_type"], suite["choices"], strict=True)]  # fmt: skip
        out[benchmark] = float(sum(guess) / len(guess))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="tiny-base")
    ap.add_argument("--pool-items", type=int, default=400)
    ap.add_argument(
        "--limit", type=int, help="evaluate only the first N items of each benchmark (a smoke run)"
    )
    ap.add_argument("--out", type=Path, default=Path("runs/bench/base-model"))
    args = ap.parse_args()
    started = time.time()
    evals = args.out / "eval"
    limit = ["--limit", str(args.limit)] if args.limit else []
    for label, ablation in (("images", []), ("black", ["--black-images"])):
        harness(
            "eval", "--quiet", "--model", args.model, "--out", str(evals), "--label", label, *ablation, *limit
        )
    harness("eval", "--quiet", "--model", args.model, "--out", str(evals), "--label", "pool", "--tasks", POOL,
            "--limit", str(args.pool_items))  # fmt: skip
    pism = args.out / "pool-samples"
    harness("score", "pism", "--task", POOL, "--model", args.model, "--out", str(pism), "--ratio", "0.0",
            "--k", str(SAMPLES), "--temperature", "1.0", "--full-curve", "--limit", str(args.pool_items))  # fmt: skip
    table_ = pd.read_parquet(pism / "difficulty.parquet")
    rate = table_["pism_curve"].map(lambda curve: float(curve[0]))  # successes / 8 at λ = 0
    pool_greedy = scores(evals / "pool")
    result = {
        "model": args.model,
        "seconds": time.time() - started,
        "images": scores(evals / "images"),
        "black": scores(evals / "black"),
        "chance": chance(evals / "images"),
        "pool": {
            "items": len(table_),
            "pass@1_greedy": next(iter(pool_greedy.values())),
            "mean_sample_rate": float(rate.mean()),
            "pass@8": float((rate > 0).mean()),
        },
    }
    macro = sum(result["images"].values()) / len(result["images"])
    above = all(result["images"][b] > result["chance"][b] + 0.05 for b in result["images"])
    result["macro"] = macro
    result["headline"] = headline(
        f"macro {100 * macro:.1f}; pool pass@1 {100 * result['pool']['pass@1_greedy']:.1f}, pass@8 "
        f"{100 * result['pool']['pass@8']:.1f}",
        "macro 45-65, every benchmark > chance + 5",
        45 <= 100 * macro <= 65 and above,
    )  # fmt: skip
    write(args.out, result, section(result, args.pool_items))


def section(r: dict, pool_items: int) -> str:
    rows = [[b, f"{100 * r['images'][b]:.1f}", f"{100 * r['black'].get(b, float('nan')):.1f}",
             f"{100 * r['chance'].get(b, float('nan')):.1f}"] for b in sorted(r["images"])]  # fmt: skip
    rows.append(["macro mean", f"{100 * r['macro']:.1f}",
                 f"{100 * sum(r['black'].values()) / len(r['black']):.1f}",
                 f"{100 * sum(r['chance'].values()) / len(r['chance']):.1f}"])  # fmt: skip
    p = r["pool"]
    return f"""## The embedded base model

`python benchmarks/bench_base_model.py --model {r["model"]} --pool-items {pool_items}`: `harness eval` on the
six synthetic benchmarks with the images and with black images, against chance; on the first
{p["items"]} pool items, greedy pass@1 and {SAMPLES} samples at T = 1.0 (PISM's unmasked attempts).
{r["seconds"]:.0f} s.

{table(["benchmark", "with images", "black images", "chance"], "lrrr", rows)}

Pool: pass@1 (greedy) **{100 * p["pass@1_greedy"]:.1f}**, one sample at T = 1.0 {100 * p["mean_sample_rate"]:.1f},
pass@{SAMPLES} **{100 * p["pass@8"]:.1f}**: GRPO's headroom is what sampling already finds.
"""


if __name__ == "__main__":
    main()
