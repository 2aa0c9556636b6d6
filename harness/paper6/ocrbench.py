"""OCRBench (1,000 items, ten categories): the official substring rule per category.

The dataset has no id field, so an item's id is built from its content (category, question, image
bytes, answers): stable however the rows are ordered, and an exact repeat gets "-2".
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from harness.paper6.base import Benchmark, Doc, Fields, json_text, require
from harness.scoring.ocrbench import score_ocrbench
from harness.scoring.verdict import JudgeLike, Verdict

_WHERE = "OCRBench"


def _answers(doc: Doc) -> list[str]:
    raw = doc.get("answer")
    answers = [raw] if isinstance(raw, str) else list(raw or [])
    if not answers or not all(isinstance(a, str) for a in answers):
        raise ValueError(f"{_WHERE}: item {doc.get('item_id', '?')!r} has no answer strings ({raw!r})")
    return answers


def _fields(doc: Doc) -> Fields:
    return {
        "answers": _answers(doc),
        "dataset": require(doc, "dataset", _WHERE),
        "question_type": doc.get("question_type") or "",
    }


def _item_id(doc: Doc) -> str:
    image = doc.get("image")
    data = image.get("bytes") if isinstance(image, dict) else None
    h = hashlib.sha256(json_text(doc.get("dataset"), doc.get("question"), doc.get("answer")).encode())
    h.update(hashlib.sha256(data or b"").digest())
    return f"ocr-{h.hexdigest()[:12]}"


def _prompt(doc: Doc, kwargs: Mapping[str, Any]) -> str:
    question = str(require(doc, "question", _WHERE)).strip()
    return f"{kwargs.get('pre_prompt', '')}{question}{kwargs.get('post_prompt', '')}"


def _score(response: str, fields: Fields, judge: JudgeLike | None) -> Verdict:
    return score_ocrbench(response, fields["answers"], fields["dataset"])


BENCHMARK = Benchmark(
    key="ocrbench",
    task="harness_ocrbench",
    title="OCRBench",
    hub_repo="echo840/OCRBench",
    split="test",
    size=1000,
    image_columns=("image",),
    item_id=_item_id,
    identity_text=lambda doc: json_text(doc.get("dataset"), doc.get("question_type"), doc.get("question")),
    target=lambda doc: " | ".join(_answers(doc)),
    fields=_fields,
    prompt=_prompt,
    score=_score,
    derived_ids=True,
)
