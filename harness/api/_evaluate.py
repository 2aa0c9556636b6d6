"""`evaluate`: a model on lmms-eval tasks, one record per item."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from harness.api._configs import EvaluateConfig
from harness.core.errors import InputError
from harness.core.paths import tasks_dir
from harness.core.records import read_records
from harness.core.tables import read_difficulty
from harness.evaluation.runner import EvalConfig, TaskSummary, resolve_model
from harness.evaluation.runner import evaluate as run_evaluation
from harness.lmms.task_utils import folder_task_names
from harness.paper6.data import DATA_DIR_ENV, check_local_data


@dataclass
class EvaluateResult:
    """What `evaluate` wrote: OUT/<label>/<task>/records.parquet + summary.json, and their contents."""

    folder: Path
    summaries: list[TaskSummary]
    records: pd.DataFrame = field(repr=False)

    @property
    def records_paths(self) -> dict[str, Path]:
        return {s.task: Path(s.records_path) for s in self.summaries}


def evaluate(config: EvaluateConfig) -> EvaluateResult:
    """Evaluate `config.model` on `config.tasks`; raises InputError for bad input, EvalError when
    lmms-eval did not produce complete results (the message says why and what was kept)."""
    from harness.synth.datasets import ensure_task_data

    tasks = list(config.tasks)
    if config.data_dir is not None:
        if not config.data_dir.is_dir():
            raise InputError(f"--data-dir: {config.data_dir} is not a folder")
        # lmms-eval's task loader and the overlay read the folder from the environment.
        os.environ[DATA_DIR_ENV] = str(config.data_dir.resolve())
    model_args = config.model_args
    if config.black_images:
        model_args = ",".join(filter(None, [model_args, "image_ablation=black"]))
    # Everything the user named is checked before anything is built or loaded.
    for path in config.difficulty:
        read_difficulty(path)
    check_local_data(tasks)
    # Our task names are known without lmms-eval's index (which takes a model start-up to reach):
    # a misspelt harness_ task fails here; other names are lmms-eval's to resolve.
    ours = folder_task_names(tasks_dir())
    unknown = [t for t in tasks if t.startswith("harness_") and t not in ours]
    if unknown:
        raise InputError(
            f"--tasks: no harness task named {', '.join(map(repr, unknown))} (known: {', '.join(sorted(ours))})"
        )
    model_path, identity = resolve_model(config.model)
    ensure_task_data(tasks)
    label = config.label or (f"{identity.name}-black-images" if config.black_images else None)
    run = EvalConfig(model=config.model, tasks=tasks, out=config.out, processes=config.processes,
                     batch_size=config.batch_size, limit=config.limit, device=config.device,
                     backend=config.backend, model_args=model_args, gen_kwargs=config.gen_kwargs,
                     seed=config.seed, label=label, difficulty=list(config.difficulty),
                     judge_url=config.judge_url, judge_model=config.judge_model,
                     judge_cache=config.judge_cache)  # fmt: skip
    summaries = run_evaluation(run, model_path, identity, quiet=config.quiet)
    frames = [read_records(s.records_path) for s in summaries]
    records = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return EvaluateResult(Path(config.out) / (label or identity.name), summaries, records)


__all__ = ["EvaluateResult", "evaluate"]
