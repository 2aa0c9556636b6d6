"""PISM cost: adaptive schedule vs exhaustive sweep on the embedded pool (same seeds, same model).

    python benchmarks/bench_pism.py [--items 200] [--out runs/bench/pism]

Prints generations, wall time and their ratios, and whether λ* and tiers are identical; writes
the figures to OUT/result.json. Both arms run in this one process on this machine, so the ratios
are comparable even on a noisy shared host.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import time
from pathlib import Path

import torch

from harness.difficulty.pism import PISMConfig
from harness.difficulty.pism_runner import PISMRun, ScoreRequest
from harness.synth.models import ensure_embedded_model


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--task", default="harness_synth_pool")
    parser.add_argument("--out", type=Path, default=Path("runs/bench/pism"))
    args = parser.parse_args()
    shutil.rmtree(args.out, ignore_errors=True)
    model = str(ensure_embedded_model("tiny-base"))
    arms = {}
    for name, full in (("adaptive", False), ("exhaustive", True)):
        req = ScoreRequest(
            model, "tiny-base", args.task, args.out / name, PISMConfig(), full_curve=full, limit=args.items
        )
        start = time.perf_counter()
        table = PISMRun(req).run()
        arms[name] = {
            "table": table,
            "seconds": time.perf_counter() - start,
            "generations": int(table["pism_generations"].sum()),
        }
    keys = ["item_id", "pism_lambda_star", "pism_tier"]
    identical = arms["adaptive"]["table"][keys].equals(arms["exhaustive"]["table"][keys])
    result = {
        "items": args.items,
        "task": args.task,
        "machine": f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} torch threads",
        "adaptive": {k: v for k, v in arms["adaptive"].items() if k != "table"},
        "exhaustive": {k: v for k, v in arms["exhaustive"].items() if k != "table"},
        "generation_ratio": arms["exhaustive"]["generations"] / arms["adaptive"]["generations"],
        "time_ratio": arms["exhaustive"]["seconds"] / arms["adaptive"]["seconds"],
        "identical_lambda_star_and_tiers": identical,
        "tiers": arms["adaptive"]["table"]["pism_tier"].value_counts().to_dict(),
    }
    (args.out / "result.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    if not identical:
        raise SystemExit("adaptive and exhaustive tiers differ")


if __name__ == "__main__":
    main()
