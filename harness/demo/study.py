"""The paper's study, end to end, on the embedded default (`harness demo`, `make demo`).

1. Difficulty of the training pool and of the six synthetic benchmarks with PISM and CMAB, using
   the base model; 2. subsets from the pool's PISM tiers; 3. three arms, each with several seeds:
   GRPO-only on mid+hard, GRPO-only on a size-matched random subset, SFT on mid then GRPO on hard;
   4. the base model and every checkpoint evaluated on the six benchmarks; 5. one report page
   (report.md): per-benchmark and per-tier paired tests, seed-level arm comparison, forest plot,
   PISM survival curve, CMAB ρ̄ histogram, PISM/CMAB tier agreement, and a leaderboard.

Every step writes its results as it goes and is skipped or resumed when the demo runs again, so an
interrupted demo continues where it stopped. `quick` shrinks every step to a few minutes of CPU.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pandas as pd

from harness.demo.config import ARMS, BENCHMARK_TASKS, POOL, DemoConfig
from harness.difficulty.cmab import CMABConfig
from harness.difficulty.cmab_runner import CMABRequest, CMABRun
from harness.difficulty.pism_runner import PISMRun, ScoreRequest
from harness.synth.suite import DEFAULT_TASKS


def _log(msg: str) -> None:
    print(f"[demo {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def score(cfg: DemoConfig, model_path: str) -> dict[str, pd.DataFrame]:
    """PISM and CMAB tables of the pool and of each benchmark (resumable runs)."""
    tables: dict[str, pd.DataFrame] = {}
    for task, limit in [(POOL, cfg.pool_items), *[(t, cfg.tier_items) for t in BENCHMARK_TASKS]]:
        pism_dir, cmab_dir = cfg.out / "difficulty" / "pism" / task, cfg.out / "difficulty" / "cmab" / task
        _log(f"PISM {task} ({limit} items)")
        req = ScoreRequest(model_path, "tiny-base", task, pism_dir, cfg.pism, limit=limit, batch_size=8)
        tables[f"pism:{task}"] = PISMRun(req).run()
        _log(f"CMAB {task} ({limit} items)")
        creq = CMABRequest(model_path, "tiny-base", task, cmab_dir, CMABConfig(), limit=limit)
        tables[f"cmab:{task}"] = CMABRun(creq).run()
    return tables


def train(cfg: DemoConfig, model_path: str) -> dict[str, list[Path]]:
    """Every arm × seed; a checkpoint with a manifest is done and is not trained again."""
    from harness.training.pipeline import TrainRequest, run

    table = cfg.out / "difficulty" / "pism" / POOL / "difficulty.parquet"
    grpo = {"max_steps": cfg.grpo_steps}
    sft = {"max_steps": cfg.sft_steps}
    if cfg.quick:
        grpo |= {"max_completion_length": 24}
    out: dict[str, list[Path]] = {}
    for arm, (paradigm, grpo_subset, sft_subset) in ARMS.items():
        for seed in cfg.seeds:
            target = cfg.out / "checkpoints" / f"{arm}-s{seed}"
            out.setdefault(arm, []).append(target)
            if (target / "manifest.json").exists():
                continue
            _log(f"train {arm} seed {seed}")
            run(TrainRequest(paradigm=paradigm, base=model_path, items=POOL, out=target, grpo_subset=grpo_subset,
                             sft_subset=sft_subset, difficulty=table, seed=seed, grpo_overrides=grpo,
                             sft_overrides=sft))  # fmt: skip
    return out


def evaluate(cfg: DemoConfig, models: dict[str, str]) -> dict[str, Path]:
    """harness eval of each model on the six benchmarks (skipped when its summaries exist)."""
    from harness.evaluation.runner import EvalConfig
    from harness.evaluation.runner import evaluate as run_eval
    from harness.models.loader import model_identity

    runs = {}
    for label, path in models.items():
        folder = cfg.out / "eval" / label
        runs[label] = folder
        if all((folder / t / "summary.json").exists() for t in BENCHMARK_TASKS):
            continue
        _log(f"evaluate {label}")
        ecfg = EvalConfig(model=path, tasks=list(DEFAULT_TASKS), out=cfg.out / "eval", label=label,
                          batch_size=8, limit=cfg.bench_items)  # fmt: skip
        run_eval(ecfg, path, model_identity(path, name=label), quiet=True)
    return runs


def run_demo(cfg: DemoConfig) -> Path:
    from harness.core.constants import DEFAULT_MODEL
    from harness.evaluation.runner import resolve_model

    started = time.time()
    cfg.out.mkdir(parents=True, exist_ok=True)
    model_path, _ = resolve_model(DEFAULT_MODEL)
    tables = score(cfg, model_path)
    checkpoints = train(cfg, model_path)
    models = {
        "tiny-base": model_path,
        **{p.name: str(p.resolve()) for paths in checkpoints.values() for p in paths},
    }
    runs = evaluate(cfg, models)
    from harness.demo.report import write_report

    report = write_report(cfg, tables, checkpoints, runs)
    seconds = time.time() - started
    (cfg.out / "timing.json").write_text(
        json.dumps({"quick": cfg.quick, "seconds": round(seconds, 1)}) + "\n"
    )
    _log(f"report: {report} ({seconds:.0f} s)")
    return report
