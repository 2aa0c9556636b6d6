"""MM-Vet (218 open questions). Scored 0-1 by an LLM judge with MM-Vet's official grading prompt;
without a judge, by a rule-based approximation that records and reports label as approximate."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.paper6.base import Benchmark, Doc, Fields, json_text, require
from harness.scoring.mmvet import score_mmvet
from harness.scoring.verdict import JudgeLike, Verdict

_WHERE = "MM-Vet"


def _fields(doc: Doc) -> Fields:
    return {
        "question": require(doc, "question", _WHERE),
        "answer": str(require(doc, "answer", _WHERE)),
        "capability": doc.get("capability") or "",
    }


def _prompt(doc: Doc, kwargs: Mapping[str, Any]) -> str:
    question = require(doc, "question", _WHERE)
    return f"{kwargs.get('pre_prompt', '')}{question}{kwargs.get('post_prompt', '')}"


def _score(response: str, fields: Fields, judge: JudgeLike | None) -> Verdict:
    return score_mmvet(response, fields["question"], fields["answer"], judge)


BENCHMARK = Benchmark(
    key="mmvet",
    task="harness_mmvet",
    title="MM-Vet",
    hub_repo="lmms-lab-encoder/MMVet",
    split="test",
    size=218,
    image_columns=("image",),
    item_id=lambda doc: str(require(doc, "question_id", _WHERE)),
    identity_text=lambda doc: json_text(doc.get("question")),
    target=lambda doc: str(doc.get("answer", "")),
    fields=_fields,
    prompt=_prompt,
    score=_score,
    needs_judge=True,
)
