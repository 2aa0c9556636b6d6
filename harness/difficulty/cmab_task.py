"""CMAB as an lmms-eval task: any source task's documents, answered by the `harness_cmab` model.

One row per source item (see `harness.difficulty.source`). The generic task `harness_cmab`
(harness/tasks/harness_cmab) shows the source task's own images unmasked, in order, asks the source
task's prompt, scores the answer with the source task's own `process_results` and keeps the model's
CMAB statistics in the record's meta. Every image's tokens count as image tokens: the model finds
image positions as `input_ids == image_token_id` (harness.models.attention), whatever the number of
images.
"""

from __future__ import annotations

from typing import Any

from PIL import Image

from harness.difficulty.cmab_plugin import split_payload
from harness.difficulty.source import (
    require_images,
    row_images,
    source_doc,
    source_process_results,
    source_row,
)
from harness.lmms.task_utils import RECORD_METRIC


def cmab_rows(
    docs: list[dict[str, Any]],
    prompts: list[str],
    source_task: str,
    commons: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """One row per document. `commons` are the documents' `source_row`s when the caller has them
    already (`scoring_items`). A document the source task shows no image is refused (InputError
    naming it): there is no image to attend to (harness.difficulty.source explains why it is left out)."""
    if commons is None:
        commons = [source_row(doc, prompt, source_task) for doc, prompt in zip(docs, prompts, strict=True)]
    rows = []
    for doc, prompt, common in zip(docs, prompts, commons, strict=True):
        item_id = str(doc["item_id"])
        if common["source_task"] != source_task or common["prompt"] != prompt:
            raise ValueError(f"item {item_id!r}: its source row was built for another task or prompt")
        require_images(common, item_id, "CMAB")
        rows.append({"item_id": item_id, **common})
    return rows


# --- the harness_cmab task's hooks -----------------------------------------------------------


def doc_to_visual(row: dict[str, Any]) -> list[Image.Image]:
    return row_images(row)


def doc_to_text(row: dict[str, Any], lmms_eval_specific_kwargs: dict[str, Any] | None = None) -> str:
    return str(row["prompt"])


def process_results(row: dict[str, Any], results: list[str]) -> dict[str, Any]:
    answer, stats = split_payload(results[0] if results else "")
    if stats is None:
        raise ValueError(
            f"{row['item_id']}: the response carries no CMAB statistics; run harness_cmab with the "
            "harness_cmab model (`harness score cmab`)"
        )
    out = source_process_results(row["source_task"])(source_doc(row), [answer])
    source_record = out.get(RECORD_METRIC) or {}
    score = source_record.get("score")
    # Binary scorers give 0/1; for [0, 1] scorers (open answers) at least half credit counts. An
    # unscored answer (judge-needed, no judge) stays unscored: the item's tier is `unscored`.
    correct = None if score is None else score >= 0.5
    record = {
        "item_id": row["item_id"],
        "benchmark": f"cmab:{row['source_task']}",
        "target": str(source_record.get("target", "")),
        "parsed_answer": source_record.get("parsed_answer"),
        "score": None if correct is None else float(correct),
        "content_hash": source_record.get("content_hash", ""),
        "meta": {**stats, "source_score": score},
    }
    return {"cmab_correct": None if correct is None else float(correct), RECORD_METRIC: record}
