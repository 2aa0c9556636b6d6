"""PISM cost: adaptive schedule vs exhaustive sweep on the embedded pool (same seeds, same model).

    python benchmarks/bench_pism.py [--items 200] [--workers 1] [--out runs/bench/pism]

Prints generations, wall time and their ratios, and whether λ* and tiers are identical; writes
the figures to OUT/result.json. Both arms run on this machine in the same way (with --workers N,
each arm's items are split into N slices scored by N parallel processes), so the ratios are
comparable even on a noisy shared host. A killed run resumes where it stopped (PISM's own resume).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from _common import headline, table, write

from harness.core.constants import TIERS
from harness.difficulty.pism import PISMConfig
from harness.difficulty.pism_runner import PISMRun, ScoreRequest
from harness.synth.models import ensure_embedded_model

ARMS = {"adaptive": False, "exhaustive": True}


def score_slice(task: str, out: Path, full_curve: bool, offset: int, n: int) -> pd.DataFrame:
    model = str(ensure_embedded_model("tiny-base"))
    req = ScoreRequest(
        model, "tiny-base", task, out, PISMConfig(), full_curve=full_curve, limit=n, offset=offset
    )
    return PISMRun(req).run()


@dataclass
class Arm:
    table: pd.DataFrame
    seconds: float
    generations: int


def run_arm(name: str, args: argparse.Namespace) -> Arm:
    size = -(-args.items // args.workers)
    slices = [(i * size, min(size, args.items - i * size)) for i in range(args.workers)]
    outs = [args.out / name / f"slice-{offset}" for offset, _ in slices]
    start = time.perf_counter()
    if args.workers == 1:
        score_slice(args.task, outs[0], ARMS[name], 0, args.items)
    else:
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    __file__,
                    "--task",
                    args.task,
                    "--slice",
                    name,
                    str(offset),
                    str(n),
                    str(out),
                ]
            )
            for (offset, n), out in zip(slices, outs, strict=True)
        ]
        if any(p.wait() for p in procs):
            raise SystemExit(f"{name}: a worker failed")
    seconds = time.perf_counter() - start
    table = pd.concat([pd.read_parquet(o / "difficulty.parquet") for o in outs]).reset_index(drop=True)
    return Arm(table, seconds, int(table["pism_generations"].sum()))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--workers", type=int, default=1, help="parallel processes per arm")
    parser.add_argument("--task", default="harness_synth_pool")
    parser.add_argument("--out", type=Path, default=Path("runs/bench/pism"))
    parser.add_argument("--slice", nargs=4, help=argparse.SUPPRESS)  # worker: ARM OFFSET N OUT
    args = parser.parse_args()
    if args.slice:
        arm, offset, n, out = args.slice
        score_slice(args.task, Path(out), ARMS[arm], int(offset), int(n))
        return
    shutil.rmtree(args.out, ignore_errors=True)  # fresh timings: no resuming from an earlier run
    arms = {name: run_arm(name, args) for name in ARMS}
    keys = ["item_id", "pism_lambda_star", "pism_tier"]
    adaptive, exhaustive = (arms[n].table.sort_values("item_id").reset_index(drop=True) for n in ARMS)
    identical = adaptive[keys].equals(exhaustive[keys])
    result = {
        "items": args.items,
        "task": args.task,
        "workers": args.workers,
        "lambda_star_median": float(adaptive["pism_lambda_star"].median()),
        "never_failed": int(adaptive["pism_lambda_star"].isna().sum()),
        **{n: {"seconds": arms[n].seconds, "generations": arms[n].generations} for n in ARMS},
        "generation_ratio": arms["exhaustive"].generations / arms["adaptive"].generations,
        "time_ratio": arms["exhaustive"].seconds / arms["adaptive"].seconds,
        "identical_lambda_star_and_tiers": identical,
        "tiers": adaptive["pism_tier"].value_counts().to_dict(),
    }
    result["headline"] = headline(
        f"{result['generation_ratio']:.2f}x fewer generations, {result['time_ratio']:.2f}x less wall time; "
        f"tiers {'identical' if identical else 'DIFFERENT'} ({args.items} items)",
        "at least 4x fewer, identical tiers", result["generation_ratio"] >= 4 and identical,
    )  # fmt: skip
    write(args.out, result, section(result))
    if not identical:
        raise SystemExit("adaptive and exhaustive tiers differ")


def section(r: dict) -> str:
    cfg = PISMConfig()
    tiers = " / ".join(str(r["tiers"].get(t, 0)) for t in TIERS)
    rows = [
        [name + (" (default)" if name == "adaptive" else " (`--full-curve`)"), f"{r[name]['generations']:,}",
         f"{r[name]['seconds']:.0f}", tiers]
        for name in ARMS
    ]  # fmt: skip
    body = table(["arm", "generations", "wall s", "tiers (easy / medium / hard / unsolved)"], "lrrl", rows)
    ok = r["generation_ratio"] >= 4 and r["identical_lambda_star_and_tiers"]
    return f"""## PISM: adaptive schedule vs exhaustive sweep

`python benchmarks/bench_pism.py --items {r["items"]} --workers {r["workers"]}`: PISM ({cfg.masker} masker,
K = {cfg.k}, τ = {cfg.tau}, Λ = {cfg.ratios[0]}..{cfg.ratios[-1]}, temperature {cfg.temperature}) of the
first {r["items"]} items of the embedded training pool (`{r["task"]}`) with `tiny-base`, once with the exact
adaptive schedule and once with the exhaustive sweep, same per-(item, λ, k) seeds; each arm's items are
split into {r["workers"]} slice(s) scored by parallel processes.

{body}

**{r["generation_ratio"]:.2f}x fewer generations, {r["time_ratio"]:.2f}x less wall time; λ* and tiers
{"identical" if r["identical_lambda_star_and_tiers"] else "DIFFERENT"} on all {r["items"]} items** (target: ≥ 4x
fewer, identical: **{"met" if ok else "NOT met"}**). λ* median {r["lambda_star_median"]:.1f};
{r["never_failed"]} item(s) never failed up to λ = {cfg.ratios[-1]}.
"""


if __name__ == "__main__":
    main()
