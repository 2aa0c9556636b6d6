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


def evaluate_rows(
    rows: list[dict[str, Any]],
    features: Any,
    workdir: Path,
    data_file: str,
    task: str,
    model: Any,
    gen_kwargs: str,
) -> list[dict[str, Any]]:
    """One in-process lmms-eval evaluation of a scoring task over `rows` (written to
    `workdir/data_file`, which the task's YAML names) by `model`, an lmms-eval model instance
    (`scoring_model`: loaded once per run); returns lmms-eval's logged samples."""
    import datasets
    from lmms_eval.evaluator import simple_evaluate

    from harness.difficulty.source import task_manager, working_dir

    workdir.mkdir(parents=True)
    cols = {name: [r[name] for r in rows] for name in features}
    datasets.Dataset.from_dict(cols, features=features).to_parquet(str(workdir / data_file))
    with working_dir(workdir):
        results = simple_evaluate(
            model=model,
            tasks=[task],
            gen_kwargs=gen_kwargs,
            log_samples=True,
            task_manager=task_manager(),
            bootstrap_iters=0,
            verbosity="ERROR",
        )
    if not results or task not in results.get("samples", {}):
        raise RuntimeError(f"{task} in {workdir}: lmms-eval returned no samples")
    samples: list[dict[str, Any]] = results["samples"][task]
    return samples
