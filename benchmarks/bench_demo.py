"""The whole study on the embedded default (`make demo`): wall time, and what running its jobs side
by side buys (issue 21: `make demo` within 60 minutes, `make demo QUICK=1` within 5).

    python benchmarks/bench_demo.py [--workers N] [--no-full] [--out runs/bench/demo]

Arms, each `harness demo` as a user runs it (a fresh process, a fresh output folder):
- quick, one worker: every job one after another in one process (the baseline);
- quick, N workers (default: one per core): the same jobs on N processes;
- full, N workers (left out with `--no-full`): the study the README shows.
The two quick arms must write the same contrasts and seed tables (every job is seeded on its own);
the ratio of their wall times is the figure to read, the full run's minutes the one to check.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _common import headline, table, write

from harness.demo.config import DemoConfig

FULL_TARGET_S, QUICK_TARGET_S = 3600, 300


def run_demo(out: Path, quick: bool, workers: int) -> dict[str, Any]:
    """`harness demo` into a fresh folder; its wall time and its timing.json."""
    cmd = [sys.executable, "-m", "harness.cli", "demo", "--out", str(out), "--workers", str(workers)]
    started = time.perf_counter()
    with open(out.with_suffix(".log"), "w") as log:
        subprocess.run(
            [*cmd, *(["--quick"] if quick else [])], stdout=log, stderr=subprocess.STDOUT, check=True
        )
    timing = json.loads((out / "timing.json").read_text())
    return {"wall_s": time.perf_counter() - started, "workers": workers, "jobs": timing["jobs"]}


def _stages(jobs: dict[str, float]) -> dict[str, float]:
    """Job seconds summed by kind (score, train, evaluate)."""
    out: dict[str, float] = {}
    for label, seconds in jobs.items():
        kind = label.split(" ", 1)[0]
        out[kind] = out.get(kind, 0.0) + seconds
    return out


def _excerpt(report: Path) -> str:
    """The report's headline table and its contrasts, as the page shows them."""
    text = report.read_text()
    start, end = text.index("## Headline"), text.index("## Training pool tiers")
    return "\n".join("#" + line if line.startswith("## ") else line for line in text[start:end].splitlines())


def section(result: dict[str, Any], excerpt: str) -> str:
    rows = []
    for name, arm in result["arms"].items():
        stages = _stages(arm["jobs"])
        rows.append([name, arm["workers"], f"{arm['wall_s']:.0f}", f"{sum(stages.values()):.0f}",
                     " / ".join(f"{stages.get(k, 0):.0f}" for k in ("score", "train", "evaluate"))])  # fmt: skip
    lines = [
        "## The whole study: `make demo`",
        "",
        "`python benchmarks/bench_demo.py`: `harness demo` (PISM and CMAB tiers, 3 arms × seeds of "
        "GRPO-only and SFT+GRPO, every checkpoint on the six synthetic benchmarks, the report) as "
        "independent jobs, one process per worker (`harness.core.jobs`). Job seconds: each job's "
        "own wall time, summed; above the run's wall time when jobs ran side by side.",
        "",
        table(["arm", "workers", "wall s", "job s", "score / train / evaluate s"], "lrrrr", rows),
        "",
        f"Quick study, {result['workers']} workers against one: **{result['speedup']:.2f}x** faster; "
        f"contrasts and seed tables identical: **{'yes' if result['identical'] else 'NO'}**.",
    ]
    if "full" in result["arms"]:
        lines += ["", f"Full study: **{result['arms']['full']['wall_s'] / 60:.1f} min** (target ≤ 60).", "",
                  "What it found (the report's headline and contrasts):", "", excerpt]  # fmt: skip
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", type=int, default=DemoConfig().workers)
    ap.add_argument("--no-full", action="store_true", help="only the two quick arms (~5 min)")
    ap.add_argument("--out", type=Path, default=Path("runs/bench/demo"))
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    arms = {}
    for name, quick, workers in [("quick-1", True, 1), (f"quick-{args.workers}", True, args.workers),
                                 *([] if args.no_full else [("full", False, args.workers)])]:  # fmt: skip
        folder = args.out / name
        if folder.exists():  # a fresh folder: a resumed demo would time only what was left
            shutil.rmtree(folder)
        print(f"demo {name} ({workers} worker(s))", flush=True)
        arms[name] = run_demo(folder, quick, workers)
    one, many = args.out / "quick-1" / "report", args.out / f"quick-{args.workers}" / "report"
    identical = all((one / f).read_text() == (many / f).read_text() for f in ("contrasts.csv", "seeds.csv"))
    speedup = arms["quick-1"]["wall_s"] / arms[f"quick-{args.workers}"]["wall_s"]
    result: dict[str, Any] = {
        "workers": args.workers,
        "arms": arms,
        "speedup": speedup,
        "identical": identical,
    }
    quick_s = arms[f"quick-{args.workers}"]["wall_s"]
    met = identical and quick_s <= QUICK_TARGET_S
    figure = f"quick {quick_s:.0f} s, {speedup:.2f}x one worker"
    if "full" in arms:
        met = met and arms["full"]["wall_s"] <= FULL_TARGET_S
        figure = f"full {arms['full']['wall_s'] / 60:.0f} min; " + figure
    result["headline"] = headline(figure, "full ≤ 60 min, quick ≤ 5 min, same report", met)
    excerpt = _excerpt(args.out / "full" / "report" / "report.md") if "full" in arms else ""
    write(args.out, result, section(result, excerpt))


if __name__ == "__main__":
    main()
