"""Shared pieces of lmms-eval task definitions (task `utils.py` files stay thin and call these).

Every task's `process_results` returns two metrics: its score (aggregated as a mean) and
`record`, a dict with the item's id, parsed answer, target, score, cluster and content hash.
lmms-eval's `--log_samples` writes whatever `process_results` returns, so the per-sample log carries
everything the harness needs to build one record per item; `record` aggregates to the item count.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image

from harness.core.images import decode_image
from harness.core.records import content_hash
from harness.scoring import (
    score_choice,
    score_contains,
    score_exact,
    score_keywords,
    score_number,
    score_yesno,
)

RECORD_METRIC = "record"


def doc_image(doc: dict[str, Any]) -> Image.Image:
    """The document's image as RGB, with an error naming the item when it is missing or unreadable."""
    item = doc.get("item_id", "<no item_id>")
    image = doc.get("image")
    if image is None:
        raise ValueError(f"item_id={item!r}: document has no image")
    return decode_image(image, f"item_id={item!r}")


def doc_to_visual(doc: dict[str, Any]) -> list[Image.Image]:
    return [doc_image(doc)]


def doc_to_text(doc: dict[str, Any], lmms_eval_specific_kwargs: dict[str, Any] | None = None) -> str:
    kwargs = lmms_eval_specific_kwargs or {}
    question = doc.get("question")
    if not question:
        raise ValueError(f"item_id={doc.get('item_id')!r}: empty or missing question")
    return f"{kwargs.get('pre_prompt', '')}{question}{kwargs.get('post_prompt', '')}"


def make_record(
    doc: dict[str, Any],
    parsed_answer: str | None,
    score: float | None,
    benchmark: str,
    **meta: Any,
) -> dict[str, Any]:
    """The `record` payload for one document (everything but the response and the model)."""
    return {
        "item_id": str(doc["item_id"]),
        "benchmark": benchmark,
        "target": str(doc.get("answer", "")),
        "parsed_answer": parsed_answer,
        "score": score,
        "cluster": doc.get("cluster"),
        "content_hash": doc.get("content_hash") or _hash_doc(doc),
        "meta": {k: v for k, v in meta.items() if v is not None},
    }


def _hash_doc(doc: dict[str, Any]) -> str:
    image = doc_image(doc)
    raw = f"{image.mode}{image.size}".encode() + image.tobytes()
    return content_hash(str(doc.get("question", "")), raw, str(doc.get("answer", "")))


def exact_match_results(benchmark: str) -> Callable[[dict[str, Any], list[str]], dict[str, Any]]:
    """A `process_results` for tasks scored by exact match of the extracted answer."""

    def process_results(doc: dict[str, Any], results: list[str]) -> dict[str, Any]:
        response = results[0] if results else ""
        score, parsed = score_exact(response, str(doc["answer"]))
        record = make_record(doc, parsed, score, benchmark, skill=doc.get("skill"))
        return {"acc": score, RECORD_METRIC: record}

    return process_results


def score_synthetic(doc: dict[str, Any], response: str) -> tuple[float, str | None]:
    """Score a synthetic item by its answer format (the same rule families as the real six)."""
    kind = doc.get("answer_type")
    target = str(doc["answer"])
    if kind == "letter":
        return score_choice(response, doc["choices"], target)
    if kind == "number":
        return score_number(response, target)
    if kind == "ocr":
        return score_contains(response, target)
    if kind == "yesno":
        return score_yesno(response, target)
    if kind == "open":
        return score_keywords(response, doc.get("keywords") or [target])
    if kind == "text" or kind is None:
        return score_exact(response, target)
    raise ValueError(f"item_id={doc.get('item_id')!r}: unknown answer_type {kind!r}")


def synthetic_results(benchmark: str) -> Callable[[dict[str, Any], list[str]], dict[str, Any]]:
    """A `process_results` for the synthetic suites."""

    def process_results(doc: dict[str, Any], results: list[str]) -> dict[str, Any]:
        score, parsed = score_synthetic(doc, results[0] if results else "")
        record = make_record(
            doc, parsed, score, benchmark, skill=doc.get("skill"), difficulty=doc.get("difficulty")
        )
        return {"acc": score, RECORD_METRIC: record}

    return process_results


def count_records(items: list[Any]) -> int:
    """Aggregation for the `record` metric: how many items produced a record."""
    return len(items)


def mean_of_scored(values: list[float | None]) -> float:
    """lmms-eval aggregation: the mean over scored items (unscored ones are counted in records)."""
    scored = [v for v in values if v is not None]
    return sum(scored) / len(scored) if scored else math.nan


_NAME_LINE = re.compile(r"^(?:task|group):[ \t]*([\w.-]+)[ \t]*$", re.MULTILINE)


def folder_task_names(folder: Path) -> set[str]:
    """Task and group names a task folder defines (read from its YAMLs, without lmms-eval's index)."""
    return {m.group(1) for path in folder.rglob("*.yaml") for m in _NAME_LINE.finditer(path.read_text())}
