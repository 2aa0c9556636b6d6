"""PISM cost: adaptive schedule vs exhaustive sweep on the embedded pool (same seeds, same model).

    python benchmarks/bench_pism.py [--items 200] [--workers 1] [--out runs/bench/pism]

Prints generations, wall time and their ratios, and whether λ* and tiers are identical; writes
the figures to OUT/result.json. Both arms run on this machine in the same way (with --workers N,
each arm's items are split into N slices scored by N parallel processes), so the ratios are
comparable even on a noisy shared host. A killed run resumes where it stopped (PISM's own resume).
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

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
        "machine": f"{platform.machine()}, CPU, {args.workers} worker process(es), 1 torch thread each",
        **{n: {"seconds": arms[n].seconds, "generations": arms[n].generations} for n in ARMS},
        "generation_ratio": arms["exhaustive"].generations / arms["adaptive"].generations,
        "time_ratio": arms["exhaustive"].seconds / arms["adaptive"].seconds,
        "identical_lambda_star_and_tiers": identical,
        "tiers": adaptive["pism_tier"].value_counts().to_dict(),
    }
    (args.out / "result.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    if not identical:
        raise SystemExit("adaptive and exhaustive tiers differ")


if __name__ == "__main__":
    main()
