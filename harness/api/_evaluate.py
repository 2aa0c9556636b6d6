"""`evaluate`: a model on lmms-eval tasks, one record per item."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
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
from harness.paper6.data import DATA_DIR_ENV, benchmarks_in, check_local_data


@dataclass
class EvaluateResult:
    """What `evaluate` wrote: OUT/<label>/<task>/records.parquet + summary.json, and their contents."""

    folder: Path
    summaries: list[TaskSummary]
    records: pd.DataFrame = field(repr=False)

    @property
    def records_paths(self) -> dict[str, Path]:
        return {s.task: Path(s.records_path) for s in self.summaries}


@contextmanager
def _data_dir(folder: Path | None, tasks: list[str]) -> Iterator[None]:
    """The benchmarks' local copies for this evaluation only: the task-folder overlay and lmms-eval
    read them from HARNESS_DATA_DIR, which is restored afterwards. Ignored when no benchmark of the
    six is evaluated (a stale variable in the shell does not stop a synthetic run)."""
    if folder is None or not benchmarks_in(tasks):
        yield
        return
    if not folder.is_dir():
        raise InputError(f"--data-dir: {folder} is not a folder")
    old = os.environ.get(DATA_DIR_ENV)
    os.environ[DATA_DIR_ENV] = str(folder.resolve())
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(DATA_DIR_ENV, None)
        else:
            os.environ[DATA_DIR_ENV] = old


def evaluate(config: EvaluateConfig) -> EvaluateResult:
    """Evaluate `config.model` on `config.tasks`; raises InputError for bad input, EvalError when
    lmms-eval did not produce complete results (the message says why and what was kept)."""
    from harness.synth.datasets import ensure_task_data

    tasks = list(config.tasks)
    model_args = config.model_args
    if config.black_images:
        model_args = ",".join(filter(None, [model_args, "image_ablation=black"]))
    with _data_dir(config.data_dir, tasks):
        # Everything the user named is checked before anything is built or loaded.
        for path in config.difficulty:
            read_difficulty(path)
        check_local_data(tasks)
        # Our task names are known without lmms-eval's index (which takes a model start-up to reach):
        # a misspelt harness_ task fails here; other names are lmms-eval's to resolve.
        ours = folder_task_names(tasks_dir())
        unknown = [t for t in tasks if t.startswith("harness_") and t not in ours]
        if unknown:
            names = ", ".join(map(repr, unknown))
            raise InputError(f"--tasks: no harness task named {names} (known: {', '.join(sorted(ours))})")
        model_path, identity = resolve_model(config.model)
        ensure_task_data(tasks)
        label = config.label or (f"{identity.name}-black-images" if config.black_images else None)
        run = EvalConfig(model=config.model, tasks=tasks, out=config.out, processes=config.processes,
                         batch_size=config.batch_size, limit=config.limit, device=config.device,
                         backend=config.backend, engine=config.engine, vllm_urls=list(config.vllm_url),
                         model_args=model_args, gen_kwargs=config.gen_kwargs,
                         seed=config.seed, label=label, difficulty=list(config.difficulty),
                         judge_url=config.judge_url, judge_model=config.judge_model,
                         judge_cache=config.judge_cache)  # fmt: skip
        summaries = run_evaluation(run, model_path, identity, quiet=config.quiet)
    frames = [read_records(s.records_path) for s in summaries]
    records = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return EvaluateResult(Path(config.out) / (label or identity.name), summaries, records)


__all__ = ["EvaluateResult", "evaluate"]
