"""PISM as an lmms-eval task: any source task's documents expanded into (item, λ, k) units.

A unit row is the source document plus its images (`harness.difficulty.source.source_row`: the
source task's own `doc_to_visual`, as PNG bytes), `pism_item_id`, `pism_ratio`, `pism_k`, the
masker, the source task's name and the exact prompt the source task would send. The generic task
`harness_pism` (harness/tasks/harness_pism) masks every image of the unit at λ in `doc_to_visual`
(each with a seed of its own: `maskers.mask_seed`), asks the prompt, and scores the answer with the
*source task's own* `process_results`, so correctness means what it means on the benchmark.
`sample_seed` makes each unit's sampled answer independent of batching and of the schedule that
runs it.
"""

from __future__ import annotations

from typing import Any

from PIL import Image

from harness.difficulty.maskers import apply_mask, mask_seed
from harness.difficulty.source import (
    require_images,
    row_images,
    source_doc,
    source_process_results,
    source_row,
)
from harness.lmms.task_utils import RECORD_METRIC

__all__ = ["doc_to_text", "doc_to_visual", "expand_units", "process_results", "source_doc", "unit_id"]


def unit_id(item_id: str, ratio: float, k: int) -> str:
    return f"{item_id}|{ratio:.2f}|{k}"


def expand_units(
    doc: dict[str, Any],
    prompt: str,
    source_task: str,
    units: list[tuple[float, int]],
    masker: str,
    cell: int = 14,
    common: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Unit rows for one source document, each carrying the document's images unmasked (PNG).

    `common` is `source_row(doc, prompt, source_task)` when the caller has it already: an adaptive
    run asks for an item's units in every round, and encoding its images once per item, not once
    per round, is the point. A document the source task shows no image is refused (InputError
    naming it): there is nothing to mask (harness.difficulty.source explains why it is left out)."""
    item_id = str(doc["item_id"])
    if common is None:
        common = source_row(doc, prompt, source_task)
    elif common["source_task"] != source_task or common["prompt"] != prompt:
        raise ValueError(f"item {item_id!r}: `common` was built for another task or prompt")
    require_images(common, item_id, "PISM")
    return [
        {
            "item_id": unit_id(item_id, ratio, k),
            "pism_item_id": item_id,
            "pism_ratio": float(ratio),
            "pism_k": int(k),
            "pism_masker": masker,
            "pism_cell": cell,
            "sample_seed": str(mask_seed(item_id, ratio, k)),
            **common,
        }
        for ratio, k in units
    ]


# --- the harness_pism task's hooks -----------------------------------------------------------


def doc_to_visual(unit: dict[str, Any]) -> list[Image.Image]:
    """Every image of the unit masked at its ratio, image i with the seed of (item, λ, k, i)."""
    return [
        apply_mask(
            image,
            unit["pism_masker"],
            unit["pism_ratio"],
            unit["pism_item_id"],
            unit["pism_k"],
            unit["pism_cell"],
            index=index,
        )
        for index, image in enumerate(row_images(unit))
    ]


def doc_to_text(unit: dict[str, Any], lmms_eval_specific_kwargs: dict[str, Any] | None = None) -> str:
    return str(unit["prompt"])


def process_results(unit: dict[str, Any], results: list[str]) -> dict[str, Any]:
    response = results[0] if results else ""
    out = source_process_results(unit["source_task"])(source_doc(unit), [response])
    source_record = out.get(RECORD_METRIC) or {}
    score = source_record.get("score")
    # Binary scorers give 0/1; for [0, 1] scorers (open answers) at least half credit counts.
    correct = None if score is None else bool(score >= 0.5)
    record = {
        "item_id": unit["item_id"],
        "benchmark": f"pism:{unit['source_task']}",
        "target": str(source_record.get("target", "")),
        "parsed_answer": source_record.get("parsed_answer"),
        "score": None if correct is None else float(correct),
        "cluster": unit["pism_item_id"],
        "content_hash": source_record.get("content_hash", ""),
        "meta": {
            "pism_item_id": unit["pism_item_id"],
            "pism_ratio": unit["pism_ratio"],
            "pism_k": unit["pism_k"],
            "source_score": score,
        },
    }
    return {"pism_correct": None if correct is None else float(correct), RECORD_METRIC: record}
