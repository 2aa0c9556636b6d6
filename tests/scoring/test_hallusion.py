from __future__ import annotations

import math

import pandas as pd
import pytest

from harness.scoring import Verdict, hallusion_metrics, score_hallusion


@pytest.mark.parametrize(
    ("response", "gt", "score", "parsed"),
    [
        ("Yes", "1", 1.0, "yes"),
        ("Yes.", "1", 1.0, "yes"),
        ("yes", "1", 1.0, "yes"),
        ("No.", "0", 1.0, "no"),
        ("NO", "1", 0.0, "no"),
        ("Yes, there is no cat in the image.", "1", 1.0, "yes"),  # the leading word decides
        ("Based on the chart, the answer is no.", "0", 1.0, "no"),
        ("<think>yes? no...</think><answer>No</answer>", "0", 1.0, "no"),
        ("\\boxed{Yes}", "1", 1.0, "yes"),
        ("<think>Yes, I think so.</think> No", "0", 1.0, "no"),
    ],
)
def test_yes_no(response: str, gt: str, score: float, parsed: str) -> None:
    assert score_hallusion(response, gt) == Verdict(score, parsed, "rule")


@pytest.mark.parametrize(
    "response",
    [
        "",
        "The eyes are blue.",  # "eyes" is not "yes"
        "It happened yesterday.",
        "The image does not show a cat.",
        "I would say yes or no depending on the angle.",  # both, neither leading
        "<think>yes</think>",
    ],
)
def test_nothing_parsed(response: str) -> None:
    # A reply without a clear yes/no is unscored, never 0 (lmms-eval's rule counted it as "no"; the
    # official scorer asks GPT-4 about every reply), for either gold.
    for gt in ("0", "1"):
        verdict = score_hallusion(response, gt)
        assert verdict.score is None and verdict.method == "none"
        assert verdict.note is not None and verdict.note.startswith("needs the judge")


def test_bad_gold() -> None:
    with pytest.raises(ValueError, match="gt_answer"):
        score_hallusion("yes", "yes")


def _rows(scores: list[float | None]) -> pd.DataFrame:
    keys = [  # category, subcategory, set_id, figure_id, question_id
        ("VD", "chart", "0", "0", "0"),
        ("VD", "chart", "0", "1", "0"),  # same question on an edited figure
        ("VD", "chart", "0", "0", "1"),
        ("VD", "chart", "0", "1", "1"),
        ("VS", "map", "3", "0", "0"),  # VS without a figure: not a figure for fAcc
        ("VS", "map", "3", "1", "0"),
    ]
    df = pd.DataFrame(keys, columns=["category", "subcategory", "set_id", "figure_id", "question_id"])
    return df.assign(score=scores)


def test_metrics() -> None:
    m = hallusion_metrics(_rows([1, 1, 1, 0, 0, 1]))
    assert m["aAcc"] == pytest.approx(4 / 6)
    # figures: VD/0/fig0 (q0 ok, q1 ok) ok; VD/0/fig1 (ok, wrong) wrong; VS/3/fig1 ok; VS fig0 skipped
    assert m["fAcc"] == pytest.approx(2 / 3)
    # question groups: VD q0 (ok, ok) ok; VD q1 (ok, wrong) wrong; VS q0 (wrong, ok) wrong
    assert m["qAcc"] == pytest.approx(1 / 3)
    perfect = hallusion_metrics(_rows([1.0] * 6))
    assert perfect == {"aAcc": 1.0, "fAcc": 1.0, "qAcc": 1.0}


def test_metrics_ids_may_be_integers() -> None:
    df = _rows([1, 1, 1, 1, 0, 1])
    df["figure_id"] = df["figure_id"].astype(int)
    assert hallusion_metrics(df)["fAcc"] == 1.0  # the VS figure-0 row is still left out


def test_metrics_refuse_unscored_and_duplicates() -> None:
    with pytest.raises(ValueError, match=r"index \[2, 5\]"):
        hallusion_metrics(_rows([1, 1, None, 0, 0, math.nan]))
    df = _rows([1] * 6)
    with pytest.raises(ValueError, match="duplicate"):
        hallusion_metrics(pd.concat([df, df.iloc[[0]]], ignore_index=True))
    with pytest.raises(ValueError, match="columns"):
        hallusion_metrics(df.drop(columns=["set_id"]))


@pytest.mark.parametrize(
    ("reply", "gt", "expected"),
    [
        ("yes", "1", (1.0, "yes", "judge")),
        ("No.", "1", (0.0, "no", "judge")),
        ("unclear", "0", (0.0, "unclear", "judge")),
    ],
)
def test_an_unclear_answer_goes_to_the_judge_when_there_is_one(
    reply: str, gt: str, expected: tuple[object, ...]
) -> None:
    from tests.scoring.test_mathvista import FakeJudge

    judge = FakeJudge(reply)
    verdict = score_hallusion("The statement is not accurate.", gt, judge, "Is the sky green in the image?")
    assert (verdict.score, verdict.parsed, verdict.method) == expected
    assert "Is the sky green in the image?" in judge.asked[0][-1]["content"]
    # a clear answer never asks; a failing judge leaves the item unscored with the reason
    assert score_hallusion("Yes, it is.", "1", judge, "q").method == "rule" and len(judge.asked) == 1
    failed = score_hallusion("The statement is not accurate.", gt, FakeJudge(None), "q")
    assert failed.score is None and failed.note is not None and failed.note.startswith("judge failed")


def test_the_judge_is_shown_a_truncated_reasoning_not_an_empty_answer() -> None:
    """Cut off while reasoning, the response has no answer part; the judge still sees what was
    written (as officially, where GPT reads the raw prediction), never an empty answer."""
    from tests.scoring.test_mathvista import FakeJudge

    judge = FakeJudge("yes")
    cut = "<think>The chart's 2020 bar is taller than the 2019 bar, so sales did rise"
    verdict = score_hallusion(cut, "1", judge, "Did sales rise in 2020?")
    assert (verdict.score, verdict.method) == (1.0, "judge")
    assert "so sales did rise" in judge.asked[0][-1]["content"]
    closed = "<think>maybe it rose</think> The statement is not accurate."
    score_hallusion(closed, "0", judge, "q")
    assert "maybe it rose" not in judge.asked[1][-1]["content"]
    assert "The statement is not accurate." in judge.asked[1][-1]["content"]
