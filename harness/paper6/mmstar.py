"""MMStar (1,500 four-option questions that need the image): option-letter scoring. Besides the
accuracy, `macro_l2` is the mean over the 18 fine categories (what lmms-eval reports as average)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pandas as pd

from harness.paper6.base import Benchmark, Doc, Fields, json_text, require
from harness.scoring.mmstar import score_mmstar
from harness.scoring.verdict import JudgeLike, Verdict

_WHERE = "MMStar"
POST_PROMPT = "\nAnswer with the option's letter from the given choices directly"


def _fields(doc: Doc) -> Fields:
    answer = str(require(doc, "answer", _WHERE)).strip().upper()
    if answer not in ("A", "B", "C", "D"):
        raise ValueError(f"{_WHERE}: item {doc.get('item_id', '?')!r} has answer {answer!r}, not A-D")
    return {
        "answer": answer,
        "category": doc.get("category") or "",
        "l2_category": doc.get("l2_category") or "",
    }


def _prompt(doc: Doc, kwargs: Mapping[str, Any]) -> str:
    question = str(require(doc, "question", _WHERE)).strip()
    pre, post = kwargs.get("pre_prompt", ""), kwargs.get("post_prompt", POST_PROMPT)
    if pre or post:
        # As lmms-eval: a custom instruction replaces the dataset's own yes/no instruction.
        question = question.replace(" Please answer yes or no.", "")
    return f"{pre}{question}{post}"


def _score(response: str, fields: Fields, judge: JudgeLike | None) -> Verdict:
    return score_mmstar(response, fields["answer"])


def _extra(df: pd.DataFrame) -> dict[str, float]:
    l2 = [json.loads(m)["fields"]["l2_category"] for m in df["meta"]]
    by_l2 = df.assign(l2=l2).dropna(subset=["score"]).groupby("l2")["score"].mean()
    return {"macro_l2": float(by_l2.mean())} if len(by_l2) else {}


BENCHMARK = Benchmark(
    key="mmstar",
    task="harness_mmstar",
    title="MMStar",
    hub_repo="Lin-Chen/MMStar",
    split="val",
    size=1500,
    image_columns=("image",),
    item_id=lambda doc: str(require(doc, "index", _WHERE)),
    identity_text=lambda doc: json_text(doc.get("question")),
    target=lambda doc: str(doc.get("answer", "")).strip(),
    fields=_fields,
    prompt=_prompt,
    score=_score,
    extra_metrics=_extra,
)
