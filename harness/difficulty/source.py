"""Source tasks for difficulty scoring: any lmms-eval task's documents, carried into a scoring task.

A scoring task (PISM, CMAB) evaluates rows built from a *source* task's documents: the document
itself as JSON (`source_doc`), the images the source task shows the model (its own `doc_to_visual`,
in order, as lossless PNG bytes: `images`), the exact prompt the source task sends, and the source
task's name, so the answer is scored by the source task's own `process_results` and correctness
means what it means on the benchmark. `source_row` is the one place a document's images are
decoded and encoded; a scoring run builds it once per item (`scoring_items`) and reuses it.

A document the source task shows no image (a HallusionBench question asked without its figure) is
left out of difficulty scoring, with a count: PISM and CMAB measure how an answer depends on the
image, and such an item has none to mask or to attend to. Scoring it anyway would give PISM a λ*
made of sampling noise (every ratio masks nothing) and CMAB a ρ̄ of 0 by construction (no image
tokens), i.e. a tier that looks measured and is not. Left out, it shows as untiered wherever a
difficulty table is joined, like any item the table does not cover.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from PIL import Image

from harness.core.errors import InputError
from harness.core.images import decode_image, keep_image_bytes
from harness.core.paths import data_root
from harness.paper6.data import data_dir, datasets_cache_env, include_path

ScoreFn = Callable[[dict[str, Any], list[str]], dict[str, Any]]
VisualFn = Callable[[dict[str, Any]], Any]

IMAGES = "images"  # a scoring row's images: the source task's visuals, in order, as PNG cells


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

    from harness.lmms import fast_yaml

    fast_yaml.install()  # indexing ~3,000 task YAML files: 1 s instead of 7

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
    obj, docs = _source_task_docs(task, limit, offset)
    return docs, [obj.doc_to_text(doc) for doc in docs]


def load_source_targets(task: str) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """Every document of `task`, its prompt, and its target as the task itself gives it
    (`doc_to_target`: a column, a template or a function): the answer a training reward checks."""
    obj, docs = _source_task_docs(task, None, 0)
    return docs, [obj.doc_to_text(doc) for doc in docs], [str(obj.doc_to_target(doc)) for doc in docs]


def _source_task_docs(task: str, limit: int | None, offset: int) -> tuple[Any, list[dict[str, Any]]]:
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
    ids = [str(d.get("item_id", "")) for d in docs]
    if "" in ids:
        raise ValueError(f"task {task!r}: every document needs an item_id to be scored for difficulty")
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise ValueError(f"task {task!r}: duplicate item_id {dup!r}")
    return obj, docs


def png_bytes(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def _is_image_cell(value: Any) -> bool:
    """A decoded image, raw image bytes, or a dataset image cell left undecoded ({bytes, path})."""
    if isinstance(value, Image.Image | bytes):
        return True
    return isinstance(value, dict) and set(value) == {"bytes", "path"}


_TASK_LINE = re.compile(r"^task:[ \t]*['\"]?([\w.-]+)['\"]?[ \t]*$", re.MULTILINE)


@lru_cache(maxsize=4)
def _own_task_yamls(folder: str) -> dict[str, str]:
    """Task name -> YAML path in our task folder, read directly: loading one of our tasks' hooks
    needs no index of lmms-eval's hundreds of YAMLs (`task_manager`, seconds to build)."""
    out: dict[str, str] = {}
    for path in sorted(Path(folder).rglob("*.yaml")):
        match = _TASK_LINE.search(path.read_text())
        if match:
            out.setdefault(match.group(1), str(path))
    return out


def _task_config(task: str) -> dict[str, Any]:
    """The task's YAML as lmms-eval loads it (includes resolved, `!function` hooks imported)."""
    from lmms_eval.utils import load_yaml_config

    path = _own_task_yamls(str(include_path())).get(task)
    if path is None:
        entry = task_manager().task_index.get(task)
        if entry is None:
            raise InputError(f"--task: no task named {task!r} in {include_path()} or lmms-eval")
        path = entry["yaml_path"]
    config: dict[str, Any] = load_yaml_config(path, mode="full")
    return config


def _specific_kwargs(config: dict[str, Any]) -> dict[str, Any] | None:
    """The task's `lmms_eval_specific_kwargs` as lmms-eval resolves them for no particular model."""
    spec = config.get("lmms_eval_specific_kwargs")
    if not isinstance(spec, dict):
        return None
    out = dict(spec)
    for key in ("default", "dataset"):
        if key in spec:
            out.update(spec[key] or {})
            break
    return out


@lru_cache(maxsize=32)
def source_visuals(task: str) -> VisualFn:
    """The source task's `doc_to_visual`, loaded from its YAML, called as lmms-eval calls it (a
    column name gives that column; none gives no visuals: a text-only task)."""
    config = _task_config(task)
    visual = config.get("doc_to_visual")
    if visual is None:
        return lambda doc: []
    if isinstance(visual, str):
        column = visual
        return lambda doc: [doc[column]]
    if not callable(visual):
        raise TypeError(f"source task {task!r}: doc_to_visual is a {type(visual).__name__}, not a function")
    kwargs = _specific_kwargs(config)
    if kwargs is not None and len(inspect.signature(visual).parameters) == 2:
        return lambda doc: visual(doc, kwargs)
    return lambda doc: visual(doc)


def source_images(doc: dict[str, Any], source_task: str) -> list[Image.Image]:
    """The images the source task shows the model for `doc` (its `doc_to_visual`), in order, each
    through `decode_image` (upright RGB, as every harness model receives them); [] for none."""
    item = doc.get("item_id", "<no item_id>")
    visuals = source_visuals(source_task)(doc) or []
    out = []
    for index, visual in enumerate(visuals):
        if not (isinstance(visual, Image.Image) or _is_image_cell(visual)):
            raise InputError(
                f"{source_task}: item {item!r}: doc_to_visual gave a {type(visual).__name__}, not an "
                "image; difficulty scoring takes image tasks only (no video or audio)"
            )
        out.append(decode_image(visual, f"{source_task}: item {item!r} image {index + 1}"))
    return out


def source_row(doc: dict[str, Any], prompt: str, source_task: str) -> dict[str, Any]:
    """The fields every scoring row carries about its source document: `images` is the source
    task's `doc_to_visual(doc)`, in order, as lossless PNG cells ({bytes, path}; [] when it shows
    no image). The one place a document's images are encoded: build it once per item."""
    base = {k: v for k, v in doc.items() if not _is_image_cell(v)}
    return {
        "source_task": source_task,
        # Fields a parquet column could not hold uniformly across sources travel as JSON.
        "source_doc": json.dumps(base, default=str, sort_keys=True),
        "prompt": prompt,
        IMAGES: [{"bytes": png_bytes(image), "path": None} for image in source_images(doc, source_task)],
    }


def row_images(row: dict[str, Any]) -> list[Image.Image]:
    """A scoring row's images as RGB PIL images, in the source task's order."""
    item = row.get("item_id", "<no item_id>")
    return [decode_image(cell, f"item_id={item!r} image {i + 1}") for i, cell in enumerate(row[IMAGES])]


def require_images(row: dict[str, Any], item_id: str, method: str) -> None:
    """Refuse a row whose source shows no image: `method` would have nothing to measure."""
    if not row[IMAGES]:
        raise InputError(
            f"{row['source_task']}: item {item_id!r} shows the model no image, so {method} has nothing "
            "to measure; such items are left out of difficulty scoring (harness.difficulty.source.scoring_items)"
        )


def source_doc(row: dict[str, Any]) -> dict[str, Any]:
    """The source task's document of a scoring row, for its `process_results`. Image cells are not
    stored in the JSON; a document without an `image` field of its own gets the row's first image
    there (decoded), which is what a single-image source task reads."""
    doc: dict[str, Any] = json.loads(row["source_doc"])
    if "image" not in doc and row[IMAGES]:
        doc["image"] = row_images({**row, IMAGES: row[IMAGES][:1]})[0]
    return doc


def keep_row_image_bytes(dataset: Any) -> Any:
    """`process_docs` of the scoring tasks: every image column left undecoded, `images` (a list of
    images) too, so that `decode_image` sees each image before anything decodes it."""
    import datasets

    dataset = keep_image_bytes(dataset)
    inner = getattr(dataset.features.get(IMAGES), "feature", None)
    if isinstance(inner, datasets.Image) and inner.decode:
        dataset = dataset.cast_column(IMAGES, datasets.Sequence(datasets.Image(decode=False)))
    return dataset


class ScoringItems(NamedTuple):
    """The documents a scoring run scores, their prompts and `source_row`s (images encoded once),
    and the ids of the documents left out because the source task shows them no image."""

    docs: list[dict[str, Any]]
    prompts: list[str]
    rows: list[dict[str, Any]]
    left_out: list[str]


def scoring_items(
    docs: list[dict[str, Any]], prompts: list[str], source_task: str, method: str
) -> ScoringItems:
    """`source_row` of every document, once; documents the source task shows no image are left out
    (see the module docstring for why), and how many is printed to stderr with their first ids."""
    kept: ScoringItems = ScoringItems([], [], [], [])
    for doc, prompt in zip(docs, prompts, strict=True):
        row = source_row(doc, prompt, source_task)
        if row[IMAGES]:
            kept.docs.append(doc)
            kept.prompts.append(prompt)
            kept.rows.append(row)
        else:
            kept.left_out.append(str(doc["item_id"]))
    if kept.left_out:
        shown = ", ".join(repr(i) for i in kept.left_out[:5]) + (", ..." if len(kept.left_out) > 5 else "")
        print(
            f"{method} of {source_task}: {len(kept.left_out)} of {len(docs)} item(s) show the model no "
            f"image and are left out (nothing to mask or attend to; untiered): {shown}",
            file=sys.stderr,
        )
    return kept


@lru_cache(maxsize=32)
def source_process_results(task: str) -> ScoreFn:
    """The source task's `process_results`, loaded from its YAML."""
    fn = _task_config(task).get("process_results")
    if not callable(fn):
        raise TypeError(f"source task {task!r} has no process_results function")
    return fn
