"""Every benchmark of the project in one run, and BENCHMARKS.md written from what that run measured.

    python benchmarks/run_all.py                  # all of them, writes BENCHMARKS.md (make bench)
    python benchmarks/run_all.py --quick          # tiny sizes: checks that everything runs (~5 min)
    python benchmarks/run_all.py --only stats cmab

Each benchmark runs as its own process (`OMP_NUM_THREADS=1`), one after another so they do not
compete for the cores; its output goes to OUT/<name>/log.txt, its figures to OUT/<name>/result.json
and its section to OUT/<name>/section.md. The page starts with the machine and a summary of each
benchmark's headline figure against its target. Only a complete, full-size run replaces
BENCHMARKS.md; `--quick` or `--only` write OUT/BENCHMARKS.md instead, so a smoke run never
overwrites the record. Exit status 1 if a benchmark failed or missed its target.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from _common import machine, table
from tqdm import tqdm

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Bench:
    name: str
    script: str
    full: tuple[str, ...]
    quick: tuple[str, ...]
    about: str


BENCHES = (
    Bench("stats", "bench_stats.py", (), ("--resamples", "500", "--repeats", "1"),
          "paired bootstrap at suite scale"),
    Bench("cmab", "bench_cmab.py", (), ("--side", "224"),
          "CMAB attention hooks: memory and time"),
    Bench("overhead", "bench_overhead.py", (), ("--sizes", "4", "12", "--repeats", "1"),
          "harness eval over raw generate"),
    Bench("sampling", "bench_sampling.py", ("--units", "64"), ("--units", "8", "--batches", "4"),
          "batched seeded sampling vs one request at a time"),
    Bench("pism", "bench_pism.py", ("--items", "64", "--workers", "2"), ("--items", "4", "--workers", "2"),
          "PISM adaptive vs exhaustive"),
    Bench("engines", "bench_engines.py", ("--items", "200"),
          ("--items", "4", "--exhaustive-items", "2", "--today-items", "2"),
          "PISM on each engine (HF batch 1, HF batched, vLLM)"),
    Bench("base", "bench_base_model.py", ("--pool-items", "400"), ("--pool-items", "8", "--limit", "8"),
          "the embedded base model: chance, image dependence, pass@1 vs pass@8"),
    Bench("grpo", "grpo_tiny.py", ("--steps", "600"), ("--steps", "4"),
          "GRPO on the embedded model"),
    Bench("demo", "bench_demo.py", (), ("--no-full",),
          "the whole study (make demo): wall time, jobs side by side"),
)  # fmt: skip
NAMES = [b.name for b in BENCHES]


def run_one(bench: Bench, out: Path, quick: bool) -> tuple[dict | None, float]:
    """Run a benchmark script; its result.json, or None if it failed (the log says why)."""
    folder = out / bench.name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "result.json").unlink(missing_ok=True)  # never report a previous run's figures
    cmd = [
        sys.executable,
        str(HERE / bench.script),
        *(bench.quick if quick else bench.full),
        "--out",
        str(folder),
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    started = time.perf_counter()
    with open(folder / "log.txt", "w") as log:
        log.write("$ " + " ".join(cmd) + "\n")
        log.flush()
        rc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, env=env).returncode
    seconds = time.perf_counter() - started
    result_file = folder / "result.json"
    if rc != 0 or not result_file.exists():
        return None, seconds
    return json.loads(result_file.read_text()), seconds


def render(benches: list[Bench], results: dict[str, tuple[dict | None, float]], out: Path, before: dict,
           after: dict, command: str, total_s: float) -> str:  # fmt: skip
    m = before
    machine_rows = [
        ["CPU", f"{m['cpu']}, {m['cpus']} logical CPUs"],
        ["memory", f"{m['memory_gib']} GiB"],
        ["GPU", m["gpu"]],
        ["OS", m["os"]],
        ["software", f"Python {m['python']}, torch {m['torch']}, transformers {m['transformers']}, "
                     f"lmms-eval {m['lmms_eval']}, numpy {m['numpy']}"],
        ["threads", f"OMP_NUM_THREADS={m['OMP_NUM_THREADS']} (benchmarks run one after another)"],
        ["load average (1/5/15 min)", f"{m['load_average']} at the start, {after['load_average']} at the end"],
        ["code", f"commit {m['commit']}"],
    ]  # fmt: skip
    summary_rows = []
    for b in benches:
        if b.name not in results:
            continue
        result, seconds = results[b.name]
        if result is None:
            summary_rows.append(
                [b.about, f"FAILED (log: {out / b.name / 'log.txt'})", "", "no", f"{seconds:.0f}"]
            )
            continue
        h = result["headline"]
        met = {True: "yes", False: "**no**", None: ""}[h["met"]]
        summary_rows.append([b.about, h["figure"], h["target"], met, f"{seconds:.0f}"])
    sections = []
    for b in benches:
        if b.name in results and results[b.name][0] is not None:
            sections.append((out / b.name / "section.md").read_text().strip())
    today = dt.date.today().isoformat()
    return "\n\n".join([
        "# Benchmarks",
        f"Written by `{command}` on {today}, in one run of {total_s / 60:.0f} minutes; every figure below "
        "comes from that run. Each benchmark compares arms measured the same way on the same machine, "
        "and the ratios are what to read: these machines are shared and noisy, so absolute seconds vary "
        "from run to run, ratios much less.",
        "## Machine",
        table(["", ""], "ll", machine_rows),
        "## Summary",
        table(["benchmark", "figure", "target", "met", "wall s"], "lllll", summary_rows),
        *sections,
    ]) + "\n"  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="tiny sizes: a check that every benchmark runs")
    ap.add_argument("--only", nargs="+", choices=NAMES, help="run these benchmarks only")
    ap.add_argument("--out", type=Path, default=Path("runs/bench"))
    ap.add_argument("--output", type=Path, help="the page (default: BENCHMARKS.md for a full run of all)")
    args = ap.parse_args()
    complete = not args.quick and not args.only
    page = args.output or (Path("BENCHMARKS.md") if complete else args.out / "BENCHMARKS.md")
    chosen = [b for b in BENCHES if not args.only or b.name in args.only]
    before = machine()
    started = time.perf_counter()
    results: dict[str, tuple[dict | None, float]] = {}
    bar = tqdm(chosen, desc="benchmarks", unit="bench")
    for bench in bar:
        bar.set_postfix_str(bench.name)
        results[bench.name] = run_one(bench, args.out, args.quick)
        result, seconds = results[bench.name]
        status = "failed" if result is None else result["headline"]["figure"]
        tqdm.write(f"{bench.name}: {status} ({seconds:.0f} s)")
    command = "make bench" if complete else "python benchmarks/run_all.py " + " ".join(sys.argv[1:])
    text = render(chosen, results, args.out, before, machine(), command, time.perf_counter() - started)
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(text)
    print(f"wrote {page}")
    failed = [n for n, (r, _) in results.items() if r is None]
    missed = [n for n, (r, _) in results.items() if r is not None and r["headline"]["met"] is False]
    if failed or (missed and not args.quick):  # tiny sizes are not expected to meet the targets
        raise SystemExit(f"failed: {failed or 'none'}; missed the target: {missed or 'none'}")


if __name__ == "__main__":
    main()
