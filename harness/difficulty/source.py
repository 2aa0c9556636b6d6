"""Source tasks for difficulty scoring: any lmms-eval task's documents, carried into a scoring task.

A scoring task (PISM, CMAB) evaluates rows built from a *source* task's documents: the document
itself as JSON (`source_doc`), its image as PNG bytes, the exact prompt the source task sends, and
the source task's name, so the answer is scored by the source task's own `process_results` and
correctness means what it means on the benchmark.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from PIL import Image

from harness.core.errors import InputError
from harness.core.paths import data_root
from harness.lmms.task_utils import doc_image
from harness.paper6.data import data_dir, datasets_cache_env, include_path

ScoreFn = Callable[[dict[str, Any], list[str]], dict[str, Any]]


@contextlib.contextmanager
def working_dir(path: Path) -> Iterator[None]:
    """Task YAMLs name their data files relative to the working directory."""
    old = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


@contextlib.contextmanager
def _local_datasets_cache() -> Iterator[None]:
    """lmms-eval's `datasets` cache for the local benchmark copies in use (harness.paper6.data)."""
    root = data_dir()
    env = datasets_cache_env(root) if root is not None else {}
    from lmms_eval.api import task as lmms_task

    # lmms-eval reads LMMS_EVAL_DATASETS_CACHE once per process (an lru_cache on this private
    # helper); in-process loading of another copy must make it read the variable again.
    resolve = getattr(lmms_task, "_resolve_hf_datasets_cache_dir", None)
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    if resolve is not None and hasattr(resolve, "cache_clear"):
        resolve.cache_clear()
    try:
        yield
    finally:
        if resolve is not None and hasattr(resolve, "cache_clear"):
            resolve.cache_clear()
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@lru_cache(maxsize=4)
def _task_manager(folder: str) -> Any:
    import sys

    from lmms_eval.tasks import TaskManager
    from loguru import logger

    # lmms-eval logs through loguru at DEBUG whatever `verbosity` says (one line per YAML it
    # indexes, hundreds of them); in-process use (difficulty scoring, training data) keeps warnings only.
    logger.remove()
    logger.add(sys.stderr, level="WARNING")
    return TaskManager(include_path=folder, verbosity="ERROR")


def task_manager() -> Any:
    """lmms-eval's task index over our task folder (with local benchmark data when a data folder
    is set), built once per process: it takes seconds."""
    return _task_manager(str(include_path()))


def _leaf_tasks(tree: dict[Any, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            out.update(_leaf_tasks(value))
        else:
            out[str(getattr(key, "group_name", key))] = value
    return out


def load_source_docs(
    task: str, limit: int | None = None, offset: int = 0
) -> tuple[list[dict[str, Any]], list[str]]:
    """Documents of any lmms-eval task (ours or built-in) and the prompt it sends for each: `limit`
    documents from `offset` on (all when `limit` is None)."""
    from lmms_eval.tasks import get_task_dict

    from harness.synth.datasets import ensure_task_data

    entry = task_manager().task_index.get(task)
    if entry is None:
        raise InputError(f"--task: no task named {task!r} in {include_path()} or lmms-eval")
    if entry.get("type") == "group":
        raise InputError(f"--task: {task!r} is a group; score its tasks one by one")
    ensure_task_data([task])
    with working_dir(data_root()), _local_datasets_cache():
        found = _leaf_tasks(get_task_dict([task], task_manager()))
        if task not in found:
            raise InputError(f"--task: {task!r} has no documents of its own (is it a group or a tag?)")
        obj = found[task]
        docs = list(obj.test_docs() if obj.has_test_docs() else obj.validation_docs())
    docs = docs[offset : None if limit is None else offset + limit]
    prompts = [obj.doc_to_text(doc) for doc in docs]
    ids = [str(d.get("item_id", "")) for d in docs]
    if "" in ids:
        raise ValueError(f"task {task!r}: every document needs an item_id to be scored for difficulty")
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise ValueError(f"task {task!r}: duplicate item_id {dup!r}")
    return docs, prompts


def png_bytes(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def source_row(doc: dict[str, Any], prompt: str, source_task: str) -> dict[str, Any]:
    """The fields every scoring row carries about its source document."""
    base = {k: v for k, v in doc.items() if k != "image" and not isinstance(v, Image.Image | bytes)}
    return {
        "source_task": source_task,
        # Fields a parquet column could not hold uniformly across sources travel as JSON.
        "source_doc": json.dumps(base, default=str, sort_keys=True),
        "prompt": prompt,
        "image": {"bytes": png_bytes(doc_image(doc)), "path": None},
    }


def source_doc(row: dict[str, Any]) -> dict[str, Any]:
    """The source task's document of a scoring row (its image restored as a PIL image)."""
    doc: dict[str, Any] = json.loads(row["source_doc"])
    doc["image"] = doc_image(row)
    return doc


@lru_cache(maxsize=32)
def source_process_results(task: str) -> ScoreFn:
    """The source task's `process_results`, loaded from its YAML."""
    from lmms_eval.utils import load_yaml_config

    entry = task_manager().task_index.get(task)
    if entry is None:
        raise InputError(f"--task: no task named {task!r} in {include_path()} or lmms-eval")
    config = load_yaml_config(entry["yaml_path"], mode="full")
    fn = config.get("process_results")
    if not callable(fn):
        raise TypeError(f"source task {task!r} has no process_results function")
    return fn
