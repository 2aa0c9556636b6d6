"""MathVista testmini (1,000 items): multiple choice and free-form numbers, lists and text.

Prompt: MathVista's own query builder at zero shots; `shot_type` picks the hint style
("format-prompt" by default, asking for a direct answer that rules can read; "step-by-step" and
"solution" as in lmms-eval's other two variants). Scoring: the official extraction and normalisation,
rules first; the judge extracts the answer only when rules cannot, otherwise the item is unscored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.paper6.base import Benchmark, Doc, Fields, json_text, require
from harness.scoring.mathvista import mathvista_query, score_mathvista

_WHERE = "MathVista"


def _fields(doc: Doc) -> Fields:
    precision = doc.get("precision")
    return {
        "question": require(doc, "question", _WHERE),
        "unit": doc.get("unit") or "",
        "choices": list(doc["choices"]) if doc.get("choices") is not None else None,
        "question_type": require(doc, "question_type", _WHERE),
        "answer_type": require(doc, "answer_type", _WHERE),
        "precision": None if precision is None else float(precision),
        "answer": str(require(doc, "answer", _WHERE)),
        "query": doc.get("query") or "",
    }


def _prompt(doc: Doc, kwargs: Mapping[str, Any]) -> str:
    f = _fields(doc)
    return mathvista_query(
        f["question"],
        f["unit"],
        f["choices"],
        f["question_type"],
        f["answer_type"],
        f["precision"],
        shot_type=str(kwargs.get("shot_type", "format-prompt")),
    )


BENCHMARK = Benchmark(
    key="mathvista",
    task="harness_mathvista_testmini",
    title="MathVista testmini",
    hub_repo="AI4Math/MathVista",
    split="testmini",
    size=1000,
    image_columns=("decoded_image",),
    item_id=lambda doc: str(require(doc, "pid", _WHERE)),
    identity_text=lambda doc: json_text(doc.get("question"), doc.get("choices"), doc.get("unit")),
    target=lambda doc: str(doc.get("answer", "")),
    fields=_fields,
    prompt=_prompt,
    score=score_mathvista,
    needs_judge=True,
)
