"""HallusionBench as published: 1129 yes/no questions in sets of figures (original and edited),
each question asked of every figure of its set and, for Visual Supplement (VS) sets, once without
any image (figure "0", visual_input "0": the hub's non_image split). The task joins the image and
non_image splits, so qAcc pairs a question asked without its figure with the same question on the
figures, as the official code does; image-free questions reach the model as text only.

Metrics as the official code computes them (harness.scoring.hallusion): aAcc (per question), fAcc
(a figure counts only when all its questions are right; the image-free VS rows are no figure) and
qAcc (a question counts only when it is right on every figure of its set, without-image included).
The official `assign_correctness` counts an "unclear" verdict as correct on a VS question asked
without its figure (not knowing is right there); the judge's "unclear" is scored so here, and said
so in the note. Items of one set share a cluster, for clustered standard errors.
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
    verdict = score_hallusion(response, fields["gt_answer"], judge, fields.get("question"))
    if verdict.parsed == "unclear" and fields["category"] == "VS" and fields["figure_id"] == "0":
        note = "official assign_correctness: 'unclear' on a VS question without its figure is correct"
        return Verdict(1.0, verdict.parsed, verdict.method, note=note)
    return verdict


def _visual_columns(doc: Doc) -> list[str]:
    # visual_input "0": asked without an image (the non_image split has no image cell to decode).
    return [] if str(doc.get("visual_input")) == "0" else ["image"]


def _extra(df: pd.DataFrame) -> dict[str, float]:
    rows = [json.loads(m)["fields"] for m in df["meta"]]
    table = pd.DataFrame(rows)[list(_KEYS)].assign(score=df["score"].to_numpy())
    return hallusion_metrics(table, unscored="exclude")


BENCHMARK = Benchmark(
    key="hallusion",
    task="harness_hallusion",
    title="HallusionBench",
    hub_repo="lmms-lab/HallusionBench",
    split="test",
    size=1129,
    image_columns=("image",),
    visual_columns=_visual_columns,
    data_files={"test": ("data/image-*.parquet", "data/non_image-*.parquet")},
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
