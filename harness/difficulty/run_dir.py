"""A scoring run's folder: its settings (checked on restart) and an append-only log of results.

Every finished result is appended and fsynced at once, so a killed run restarts where it stopped
and never redoes or duplicates work; a line torn by the kill is cut off on restart.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from harness.core.errors import InputError
from harness.core.files import atomic_write, atomic_write_json
from harness.core.records import read_jsonl


class RunDir:
    def __init__(self, out: Path, identity: dict[str, Any], log_name: str, kind: str) -> None:
        self.out = Path(out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.log = self.out / log_name
        path = self.out / "config.json"
        ident = json.loads(json.dumps(identity, default=str))
        if path.exists():
            stored = json.loads(path.read_text())
            if stored != ident:
                changed = "; ".join(
                    f"{k}: {stored.get(k)!r} there, {ident.get(k)!r} now"
                    for k in sorted(set(stored) | set(ident))
                    if stored.get(k) != ident.get(k)
                )
                raise InputError(
                    f"{self.out} holds a {kind} run with other settings ({changed}); use another --out or delete it"
                )
        else:
            atomic_write_json(path, ident)

    def read(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        data = self.log.read_bytes()
        if data and not data.endswith(b"\n"):  # half a line from a killed append
            self.log.write_bytes(data[: data.rfind(b"\n") + 1])
        return read_jsonl(self.log)

    def append(self, rows: Iterable[dict[str, Any]]) -> None:
        with self.log.open("a") as fh:
            for row in rows:
                fh.write(json.dumps(row) + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def write_table(self, df: pd.DataFrame, name: str = "difficulty.parquet") -> None:
        atomic_write(self.out / name, lambda tmp: df.to_parquet(tmp, index=False))


def scoring_model(name: str, model_args: str, batch_size: int) -> Any:
    """The lmms-eval model `name` built as `simple_evaluate` builds it, kept loaded across the
    run's evaluations (lmms-eval would load it again for every round, and delete it after)."""
    from lmms_eval import models

    lm = models.get_model(name).create_from_arg_string(model_args, {"batch_size": batch_size})
    lm.keep_loaded = True
    return lm


class ScoringTask:
    """A scoring task (`harness_pism`, `harness_cmab`) built once per run and given each round's rows.

    Each round used to build the task again from its YAML: lmms-eval's `get_task_dict` re-imports
    its hooks and `load_dataset` converts the round's parquet into a `datasets` cache (a second copy
    of every unit's images, once per round). Here the first round builds the lmms-eval Task from its
    YAML as usual; later rounds swap its rows in place (see `_swap_rows`).
    """

    def __init__(self, name: str, features: Any, data_file: str) -> None:
        self.name = name
        self.features = features
        self.data_file = data_file  # the task's YAML names it, relative to the working directory
        self._task: Any = None

    def for_rows(self, rows: list[dict[str, Any]], workdir: Path) -> Any:
        """The lmms-eval Task over `rows`; `workdir/data_file` keeps a copy of what the round asked."""
        import datasets

        from harness.difficulty.source import task_manager, working_dir

        workdir.mkdir(parents=True)
        cols = {name: [r[name] for r in rows] for name in self.features}
        dataset = datasets.Dataset.from_dict(cols, features=self.features)
        dataset.to_parquet(str(workdir / self.data_file))
        if self._task is None:
            from lmms_eval.tasks import get_task_dict

            with working_dir(workdir):
                self._task = get_task_dict([self.name], task_manager())[self.name]
        else:
            _swap_rows(self._task, dataset)
        return self._task


def _swap_rows(task: Any, dataset: Any) -> None:
    """Give a built lmms-eval ConfigurableTask other rows: what its `download` does after loading
    (`process_docs`, then `dataset_no_image` without the image columns), on an in-memory dataset.
    lmms-eval 0.7.3 reads docs from `task.dataset` (and hands it to the model as `task_dict`) on
    every `simple_evaluate`, and rebuilds its requests from it each time."""
    import datasets

    split = task.config.test_split
    if task.config.process_docs is not None:
        dataset = task.config.process_docs(dataset)
    task.dataset = datasets.DatasetDict({split: dataset})
    images = [
        name
        for name, f in dataset.features.items()
        if isinstance(f, datasets.Image) or isinstance(getattr(f, "feature", None), datasets.Image)
    ]
    task.dataset_no_image = datasets.DatasetDict({split: dataset.remove_columns(images)})


def evaluate_rows(
    rows: list[dict[str, Any]],
    task: ScoringTask,
    workdir: Path,
    model: Any,
    gen_kwargs: str,
) -> list[dict[str, Any]]:
    """One in-process lmms-eval evaluation of a scoring task over `rows` by `model`, an lmms-eval
    model instance (`scoring_model`: loaded once per run); returns lmms-eval's logged samples."""
    from lmms_eval.evaluator import simple_evaluate

    from harness.difficulty.source import task_manager, working_dir

    task_obj = task.for_rows(rows, workdir)
    with working_dir(workdir):
        results = simple_evaluate(
            model=model,
            tasks=[task_obj],
            gen_kwargs=gen_kwargs,
            log_samples=True,
            task_manager=task_manager(),
            bootstrap_iters=0,
            verbosity="ERROR",
        )
    if not results or task.name not in results.get("samples", {}):
        raise RuntimeError(f"{task.name} in {workdir}: lmms-eval returned no samples")
    samples: list[dict[str, Any]] = results["samples"][task.name]
    if len(samples) != len(rows):
        raise RuntimeError(f"{task.name} in {workdir}: {len(samples)} samples for {len(rows)} rows")
    return samples
