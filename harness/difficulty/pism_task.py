"""PISM as an lmms-eval task: any source task's documents expanded into (item, λ, k) units.

A unit row is the source document (image as bytes) plus `pism_item_id`, `pism_ratio`, `pism_k`,
the masker, the source task's name and the exact prompt the source task would send. The generic
task `harness_pism` (harness/tasks/harness_pism) masks the image in `doc_to_visual`, asks the prompt, and
scores the answer with the *source task's own* `process_results`, so correctness means what it means
on the benchmark. `sample_seed` makes each unit's sampled answer independent of batching and of the
schedule that runs it.
"""

from __future__ import annotations

from typing import Any

from PIL import Image

from harness.difficulty.maskers import apply_mask, mask_seed
from harness.difficulty.source import source_doc, source_process_results, source_row
from harness.lmms.task_utils import RECORD_METRIC, doc_image

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
) -> list[dict[str, Any]]:
    """Unit rows for one source document. The source image is stored once per row as PNG bytes."""
    item_id = str(doc["item_id"])
    common = source_row(doc, prompt, source_task)
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
    image = doc_image(unit)
    return [
        apply_mask(
            image,
            unit["pism_masker"],
            unit["pism_ratio"],
            unit["pism_item_id"],
            unit["pism_k"],
            unit["pism_cell"],
        )
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
