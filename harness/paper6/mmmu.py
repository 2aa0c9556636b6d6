"""MMMU validation (900 items, 30 subjects): multiple choice and open questions with up to seven
images, scored with MMMU's official parsing rules (never a random guess when nothing parses)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from harness.paper6.base import Benchmark, Doc, Fields, json_text, require
from harness.scoring.mmmu import mmmu_options, score_mmmu
from harness.scoring.verdict import JudgeLike, Verdict

_WHERE = "MMMU"
_IMAGE_TOKEN = re.compile(r"<image (\d+)>")
MC_PROMPT = "Answer with the option's letter from the given choices directly."
OPEN_PROMPT = "Answer the question using a single word or phrase."


def _options(doc: Doc) -> list[str]:
    try:
        return mmmu_options(str(doc.get("options") or "[]"))
    except ValueError as e:
        raise ValueError(f"{_WHERE}: item {doc.get('item_id', '?')!r}: {e}") from e


def _fields(doc: Doc) -> Fields:
    return {
        "question_type": require(doc, "question_type", _WHERE),
        "options": _options(doc),
        "answer": str(require(doc, "answer", _WHERE)),
        "subfield": doc.get("subfield") or "",
    }


def _prompt(doc: Doc, kwargs: Mapping[str, Any]) -> str:
    question = require(doc, "question", _WHERE)
    if doc.get("question_type") == "multiple-choice":
        letters = "\n".join(f"{chr(65 + i)}. {opt}" for i, opt in enumerate(_options(doc)))
        text = f"{question}\n{letters}\n\n{kwargs.get('multiple_choice_prompt', MC_PROMPT)}"
    else:
        text = f"{question}\n\n{kwargs.get('open_ended_prompt', OPEN_PROMPT)}"
    return f"{kwargs.get('pre_prompt', '')}{text}"


def _visual_columns(doc: Doc) -> list[str]:
    """The images the question and options name, by number, as lmms-eval orders them."""
    text = f"{doc.get('question', '')} {doc.get('options', '')}"
    numbers = sorted({int(n) for n in _IMAGE_TOKEN.findall(text)})
    return [f"image_{n}" for n in numbers] or ["image_1"]


def _score(response: str, fields: Fields, judge: JudgeLike | None) -> Verdict:
    return score_mmmu(response, fields["question_type"], fields["options"], fields["answer"])


BENCHMARK = Benchmark(
    key="mmmu",
    task="harness_mmmu_val",
    title="MMMU validation",
    hub_repo="lmms-lab-encoder/MMMU",
    split="validation",
    size=900,
    image_columns=tuple(f"image_{i}" for i in range(1, 8)),
    item_id=lambda doc: str(require(doc, "id", _WHERE)),
    identity_text=lambda doc: json_text(doc.get("question"), doc.get("options")),
    target=lambda doc: str(doc.get("answer", "")),
    fields=_fields,
    prompt=_prompt,
    score=_score,
    visual_columns=_visual_columns,
)
