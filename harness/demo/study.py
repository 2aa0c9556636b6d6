"""The paper's study, end to end, on the embedded default (`harness demo`, `make demo`).

1. Difficulty of the training pool and of the six synthetic benchmarks with PISM and CMAB, using
   the base model; 2. subsets from the pool's PISM tiers; 3. three arms, each with several seeds:
   GRPO-only on mid+hard, GRPO-only on a size-matched random subset, SFT on mid then GRPO on hard;
   4. the base model and every checkpoint evaluated on the six benchmarks; 5. one report page
   (report.md): per-benchmark and per-tier paired tests, seed-level arm comparison, forest plot,
   PISM survival curve, CMAB ρ̄ histogram, PISM/CMAB tier agreement, and a leaderboard.

The steps are independent jobs (`plan`), run side by side on `workers` processes, one per core
(harness.core.jobs): training waits only for the pool's tiers, a checkpoint's evaluation only for
its training. Every job writes its results as it goes and is skipped or resumed when the demo runs
again, so an interrupted demo continues where it stopped. `quick` shrinks every step to a few
minutes of CPU.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pandas as pd

from harness.core.jobs import Job, run_jobs
from harness.demo.config import ARMS, BENCHMARK_TASKS, POOL, DemoConfig
from harness.difficulty.cmab import CMABConfig
from harness.difficulty.cmab_runner import CMABRequest, CMABRun
from harness.difficulty.pism_runner import PISMRun, ScoreRequest
from harness.synth.suite import DEFAULT_TASKS


def _log(msg: str) -> None:
    print(f"[demo {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def score_task(cfg: DemoConfig, model_path: str, task: str) -> dict[str, pd.DataFrame]:
    """PISM and CMAB tables of one task (resumable runs): the pool's `pool_items`, a benchmark's
    first `tier_items`."""
    limit = cfg.pool_items if task == POOL else cfg.tier_items
    pism_dir, cmab_dir = cfg.out / "difficulty" / "pism" / task, cfg.out / "difficulty" / "cmab" / task
    req = ScoreRequest(model_path, "tiny-base", task, pism_dir, cfg.pism, limit=limit, batch_size=8)
    creq = CMABRequest(model_path, "tiny-base", task, cmab_dir, CMABConfig(), limit=limit)
    return {f"pism:{task}": PISMRun(req).run(), f"cmab:{task}": CMABRun(creq).run()}


def checkpoint_dir(cfg: DemoConfig, arm: str, seed: int) -> Path:
    return cfg.out / "checkpoints" / f"{arm}-s{seed}"


def train_arm(cfg: DemoConfig, model_path: str, arm: str, seed: int) -> Path:
    """One arm × seed on the pool's PISM tiers; a checkpoint with a manifest is done and is kept."""
    from harness.training.pipeline import TrainRequest, run

    target = checkpoint_dir(cfg, arm, seed)
    if (target / "manifest.json").exists():
        return target
    paradigm, grpo_subset, sft_subset = ARMS[arm]
    grpo = {"max_steps": cfg.grpo_steps}
    if cfg.quick:
        grpo |= {"max_completion_length": 24}
    run(TrainRequest(paradigm=paradigm, base=model_path, items=POOL, out=target, grpo_subset=grpo_subset,
                     sft_subset=sft_subset, difficulty=cfg.out / "difficulty" / "pism" / POOL / "difficulty.parquet",
                     seed=seed, grpo_overrides=grpo, sft_overrides={"max_steps": cfg.sft_steps}))  # fmt: skip
    return target


def evaluate_model(cfg: DemoConfig, label: str, path: str) -> Path:
    """harness eval of one model on the six benchmarks (skipped when its summaries exist)."""
    from harness.evaluation.runner import EvalConfig
    from harness.evaluation.runner import evaluate as run_eval
    from harness.models.loader import model_identity

    folder = cfg.out / "eval" / label
    if not all((folder / t / "summary.json").exists() for t in BENCHMARK_TASKS):
        ecfg = EvalConfig(model=path, tasks=list(DEFAULT_TASKS), out=cfg.out / "eval", label=label,
                          batch_size=8, limit=cfg.bench_items)  # fmt: skip
        run_eval(ecfg, path, model_identity(path, name=label), quiet=True)
    return folder


def plan(cfg: DemoConfig, model_path: str) -> list[Job]:
    """The study as jobs, in the order they should start when several are ready: the pool's tiers
    first (training waits for them), then training and each checkpoint's evaluation, and the
    benchmarks' tiers (needed only by the report) last, to fill the cores at the end."""
    jobs = [Job(f"score {POOL}", score_task, (cfg, model_path, POOL)),
            Job("evaluate tiny-base", evaluate_model, (cfg, "tiny-base", model_path))]  # fmt: skip
    for arm in ARMS:
        for seed in cfg.seeds:
            target = checkpoint_dir(cfg, arm, seed)
            jobs.append(
                Job(f"train {target.name}", train_arm, (cfg, model_path, arm, seed), after=(f"score {POOL}",))
            )
            jobs.append(Job(f"evaluate {target.name}", evaluate_model, (cfg, target.name, str(target.resolve())),
                            after=(f"train {target.name}",)))  # fmt: skip
    jobs += [Job(f"score {task}", score_task, (cfg, model_path, task)) for task in BENCHMARK_TASKS]
    return jobs


def run_demo(cfg: DemoConfig) -> Path:
    from harness.core.constants import DEFAULT_MODEL
    from harness.evaluation.runner import resolve_model

    started = time.time()
    cfg.out.mkdir(parents=True, exist_ok=True)
    model_path, _ = resolve_model(DEFAULT_MODEL)
    jobs = plan(cfg, model_path)
    _log(f"{len(jobs)} jobs on {cfg.workers} worker(s)")
    seconds: dict[str, float] = {}
    results = run_jobs(jobs, cfg.workers, _log, seconds)
    tables = {k: v for task in [POOL, *BENCHMARK_TASKS] for k, v in results[f"score {task}"].items()}
    checkpoints = {arm: [checkpoint_dir(cfg, arm, s) for s in cfg.seeds] for arm in ARMS}
    labels = ["tiny-base", *(p.name for paths in checkpoints.values() for p in paths)]
    runs = {label: results[f"evaluate {label}"] for label in labels}
    from harness.demo.report import write_report

    report = write_report(cfg, tables, checkpoints, runs)
    total = time.time() - started
    timing = {"quick": cfg.quick, "workers": cfg.workers, "seconds": round(total, 1),
              "jobs": {label: round(s, 1) for label, s in seconds.items()}}  # fmt: skip
    (cfg.out / "timing.json").write_text(json.dumps(timing, indent=1) + "\n")
    _log(f"report: {report} ({total:.0f} s)")
    return report
