"""HallusionBench, image split: yes/no questions in sets of figures (original and edited) and
questions asked of each. Metrics as the benchmark defines them: aAcc (per question), fAcc (a figure
counts only when all its questions are right) and qAcc (a question counts only when it is right on
every figure of its set). Items of one set share a cluster, for clustered standard errors.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pandas as pd

from harness.paper6.base import Benchmark, Doc, Fields, json_text, require
from harness.scoring.hallusion import hallusion_metrics, score_hallusion
from harness.scoring.verdict import JudgeLike, Verdict

_WHERE = "HallusionBench"
_KEYS = ("category", "subcategory", "set_id", "figure_id", "question_id")


def _fields(doc: Doc) -> Fields:
    out: Fields = {k: str(require(doc, k, _WHERE)) for k in _KEYS}
    gt = str(require(doc, "gt_answer", _WHERE))
    if gt not in ("0", "1"):
        raise ValueError(f"{_WHERE}: item {doc.get('item_id', '?')!r} has gt_answer {gt!r}, not '0' or '1'")
    out["gt_answer"] = gt
    out["question"] = str(require(doc, "question", _WHERE))  # what the judge is asked about
    return out


def _prompt(doc: Doc, kwargs: Mapping[str, Any]) -> str:
    question = require(doc, "question", _WHERE)
    return f"{kwargs.get('pre_prompt', '')}{question}{kwargs.get('post_prompt', '')}"


def _score(response: str, fields: Fields, judge: JudgeLike | None) -> Verdict:
    return score_hallusion(response, fields["gt_answer"], judge, fields.get("question"))


def _extra(df: pd.DataFrame) -> dict[str, float]:
    rows = [json.loads(m)["fields"] for m in df["meta"]]
    table = pd.DataFrame(rows)[list(_KEYS)].assign(score=df["score"].to_numpy())
    return hallusion_metrics(table.dropna(subset=["score"]))


BENCHMARK = Benchmark(
    key="hallusion",
    task="harness_hallusion_image",
    title="HallusionBench (image)",
    hub_repo="lmms-lab-encoder/HallusionBench",
    split="image",
    size=951,
    image_columns=("image",),
    item_id=lambda doc: "_".join(str(require(doc, k, _WHERE)) for k in _KEYS),
    identity_text=lambda doc: json_text(doc.get("question"), doc.get("figure_id")),
    target=lambda doc: "yes" if str(doc.get("gt_answer")) == "1" else "no",
    fields=_fields,
    prompt=_prompt,
    score=_score,
    cluster=lambda doc: "_".join(str(doc.get(k)) for k in ("category", "subcategory", "set_id")),
    extra_metrics=_extra,
    # Answers without a clear yes/no go to the judge (the official scorer asks GPT-4 about all).
    needs_judge=True,
)
