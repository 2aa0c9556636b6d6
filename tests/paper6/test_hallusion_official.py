"""HallusionBench's three accuracies as the official code computes them, on a fixture of its full schema.

Official code (tianyi-lab/HallusionBench): `evaluate_by_chatgpt` gives each answer a GPT verdict
(1 correct, 0 incorrect, 2 unclear); `assign_correctness` makes it 0/1, counting "unclear" as correct
on a VS question asked without its figure (figure_id 0) and as wrong elsewhere; evaluation.py
reports aAcc = `get_eval_all` correct/total, fAcc = `get_eval_fig` correct/total (figures whose
questions are all right; the image-free VS rows are no figure), qAcc = `get_eval_pair_all`
correct/total (questions right on every figure of their set, the image-free one included).

The fixture below, by hand (code = the official GPT verdict):

    set              figure (visual_input)  question  gt   code  correct
    VD illusion 0    0 (1)                  0         no   1     1
    VD illusion 0    0 (1)                  1         yes  1     1
    VD illusion 0    1 (1)                  0         yes  1     1
    VD illusion 0    1 (1)                  1         no   0     0
    VS chart 1       0 (0, no image)        0         yes  2     1   unclear, no figure: correct
    VS chart 1       1 (1)                  0         yes  1     1
    VS chart 1       2 (2, edited)          0         no   1     1
    VS chart 1       0 (0, no image)        1         no   0     0
    VS chart 1       1 (1)                  1         yes  1     1
    VS map 2         0 (0, no image)        0         yes  1     1
    VS map 2         1 (1)                  0         no   2     0   unclear on a figure: wrong

aAcc = 8/11. fAcc: VD0/f0 right, VD0/f1 not, VS1/f1 right, VS1/f2 right, VS2/f1 not: 3/5.
qAcc: VD0/q0 right, VD0/q1 not, VS1/q0 right (f0, f1, f2), VS1/q1 not, VS2/q0 not: 2/5.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import pandas as pd
import pytest

from harness.paper6.registry import BENCHMARKS
from harness.scoring.hallusion import hallusion_metrics

BENCH = BENCHMARKS["hallusion"]
ROWS = [  # category, subcategory, set_id, figure_id, visual_input, question_id, gt_answer, code
    ("VD", "illusion", "0", "0", "1", "0", "0", 1),
    ("VD", "illusion", "0", "0", "1", "1", "1", 1),
    ("VD", "illusion", "0", "1", "1", "0", "1", 1),
    ("VD", "illusion", "0", "1", "1", "1", "0", 0),
    ("VS", "chart", "1", "0", "0", "0", "1", 2),
    ("VS", "chart", "1", "1", "1", "0", "1", 1),
    ("VS", "chart", "1", "2", "2", "0", "0", 1),
    ("VS", "chart", "1", "0", "0", "1", "0", 0),
    ("VS", "chart", "1", "1", "1", "1", "1", 1),
    ("VS", "map", "2", "0", "0", "0", "1", 1),
    ("VS", "map", "2", "1", "1", "0", "0", 2),
]
OFFICIAL = {"aAcc": Fraction(8, 11), "fAcc": Fraction(3, 5), "qAcc": Fraction(2, 5)}


class UnclearJudge:
    """Stands in for the GPT judge, which tests cannot reach: every answer it is shown is unclear."""

    identity = '{"model": "scripted"}'

    def ask(self, messages: list[dict[str, str]], parse: Callable[[str], Any]) -> Any:
        return parse("unclear")


def _doc(row: tuple[str, ...]) -> dict[str, Any]:
    cat, sub, set_id, fig, vin, qid, gt, _code = row
    return {"category": cat, "subcategory": sub, "set_id": set_id, "figure_id": fig, "visual_input": vin,
            "question_id": qid, "gt_answer": gt, "question": f"Question {qid} of set {set_id}?",
            "gt_answer_details": "", "sample_note": "fixture", "filename": None, "image": None}  # fmt: skip


def _response(gt: str, code: int) -> str:
    """A realistic answer that the official judge would grade `code`."""
    if code == 2:
        return "I cannot determine this from the information given."
    says_yes = (gt == "1") == (code == 1)
    return "Yes, it does." if says_yes else "No, it does not."


def _records(judge: UnclearJudge | None) -> pd.DataFrame:
    rows = []
    for row in ROWS:
        doc = _doc(row)
        fields = BENCH.fields(doc)
        verdict = BENCH.score(_response(row[6], row[7]), fields, judge)
        rows.append({"score": verdict.score, "meta": json.dumps({"fields": fields, "note": verdict.note})})
    return pd.DataFrame(rows)


def test_per_item_scores_follow_assign_correctness() -> None:
    records = _records(UnclearJudge())
    want = [1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 0]
    assert records["score"].tolist() == want
    notes = [json.loads(m)["note"] for m in records["meta"]]
    assert "assign_correctness" in notes[4] and "assign_correctness" not in (notes[10] or "")


def test_official_accuracies_from_per_item_scores() -> None:
    got = BENCH.extra_metrics(_records(UnclearJudge()))  # type: ignore[misc]
    for name, value in OFFICIAL.items():
        assert got[name] == pytest.approx(float(value), abs=1e-12), name


def test_without_a_judge_unclear_answers_are_unscored_and_their_groups_left_out() -> None:
    records = _records(None)
    unscored = records.index[records["score"].isna()].tolist()
    assert unscored == [4, 10]  # the two answers without a yes/no: never given a verdict
    got = BENCH.extra_metrics(records)  # type: ignore[misc]
    # aAcc over the 9 scored answers (7 right). fAcc without VS2/f1: VD0/f0, VS1/f1, VS1/f2 right,
    # VD0/f1 not: 3/4. qAcc without VS1/q0 and VS2/q0: VD0/q0 right, VD0/q1 and VS1/q1 not: 1/3.
    assert got["aAcc"] == pytest.approx(7 / 9)
    assert got["fAcc"] == pytest.approx(3 / 4)
    assert got["qAcc"] == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="without a score"):
        table = pd.DataFrame([json.loads(m)["fields"] for m in records["meta"]]).assign(
            score=records["score"]
        )
        hallusion_metrics(table)
