from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import pytest

from harness.scoring import Verdict, mathvista_query, score_mathvista
from harness.scoring.mathvista import DEMO_PROMPT, judge_messages, normalize, rule_extract
from harness.scoring.verdict import JudgeError

T = TypeVar("T")
CHOICES = ["3/11", "8/11", "6/11", "3/5"]


class FakeJudge:
    """Replies with a fixed text (or raises JudgeError) and records what it was asked."""

    identity = "fake-judge"

    def __init__(self, reply: str | None) -> None:
        self.reply = reply
        self.asked: list[list[dict[str, str]]] = []

    def ask(self, messages: list[dict[str, str]], parse: Callable[[str], T]) -> T:
        self.asked.append(messages)
        if self.reply is None:
            raise JudgeError("endpoint unreachable")
        return parse(self.reply)


def fields(
    answer: str, answer_type: str = "integer", choices: list[str] | None = None, precision: Any = 0.0
) -> dict:
    return {
        "question": "How many?",
        "unit": "",
        "choices": choices,
        "question_type": "multi_choice" if choices else "free_form",
        "answer_type": "text" if choices else answer_type,
        "precision": precision,
        "answer": answer,
        "query": "Hint: ...\nQuestion: How many?",
    }


@pytest.mark.parametrize(
    ("response", "answer_type", "expected"),
    [
        ("14", "integer", "14"),
        ("12 cm", "integer", "12"),
        ("1,000", "integer", "1000"),
        ("The answer is -3.", "integer", "-3"),
        ("−3", "integer", "-3"),  # a Unicode minus
        ("<think>maybe 12</think><answer>14</answer>", "integer", "14"),
        ("so \\boxed{14}", "integer", "14"),
        ("Answer: 7 apples", "integer", "7"),
        ("45%", "float", "45"),
        ("$1.45", "float", "1.45"),
        ("1.50", "float", "1.5"),  # the official float() rule
        ("3/4", "float", "0.75"),
        ("12 cm^2", "integer", "12"),
        ("[1, 2]", "list", "[1, 2]"),
        ("[2007,2008]", "list", "[2007, 2008]"),
        ("", "integer", ""),
        ("<answer></answer>", "float", ""),
        # ambiguous or prose: left to the judge
        ("3 or 4", "integer", None),
        ("3 apples and 4 pears", "integer", None),
        ("The area is 12 cm^2", "integer", None),
        ("x = 5", "float", None),
        ("3/4", "integer", None),
        ("['a', 'b']", "list", None),
        ("seven", "integer", None),
    ],
)
def test_rule_extract_numbers(response: str, answer_type: str, expected: str | None) -> None:
    assert rule_extract(response, None, "free_form", answer_type) == expected


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        ("8/11", "8/11"),  # exact choice text (official)
        ("8/11.", "8/11"),
        ("B", "B"),
        ("(B)", "B"),
        ("B.", "B"),
        ("Answer: B", "B"),
        ("The correct answer is (B)", "B"),
        ("(B) 8/11", "B"),
        ("B. 8/11", "B"),
        ("<think>(A) is wrong</think>\nC", "C"),
        ("B. 3/5", None),  # the letter and the text disagree
        ("B and C", None),
        ("E", None),  # no fifth choice
        ("I think it is the second one", None),
    ],
)
def test_rule_extract_choice(response: str, expected: str | None) -> None:
    assert rule_extract(response, CHOICES, "multi_choice", "text") == expected


def test_normalize() -> None:
    assert normalize("B", CHOICES, "multi_choice", "text", None) == "8/11"
    assert normalize("(c) 6/11", CHOICES, "multi_choice", "text", None) == "6/11"
    assert normalize("8/12", CHOICES, "multi_choice", "text", None) == "8/11"  # nearest by edit distance
    assert normalize("", CHOICES, "multi_choice", "text", None) is None  # never the shortest choice
    assert normalize("3.7", None, "free_form", "integer", None) == "3"  # official int(float(x))
    # precision arrives as float64 in the dataset: used as an int
    assert normalize("1.456", None, "free_form", "float", np.float64(2.0)) == "1.46"
    assert normalize("1.456", None, "free_form", "float", 1.0) == "1.5"
    assert normalize("abc", None, "free_form", "float", 1.0) is None
    assert normalize("[1, 2]", None, "free_form", "list", None) == "[1, 2]"


@pytest.mark.parametrize(
    ("response", "answer", "precision", "score"),
    [
        ("1.456", "1.46", np.float64(2.0), 1.0),
        ("The answer is 1.5", "1.5", np.float64(1.0), 1.0),
        ("1.46", "1.5", np.float64(1.0), 1.0),  # rounded to one decimal (Python round)
        ("1.45", "1.45", np.float64(2.0), 1.0),
        ("1.4", "1.45", 2.0, 0.0),
    ],
)
def test_float_precision(response: str, answer: str, precision: Any, score: float) -> None:
    assert score_mathvista(response, fields(answer, "float", precision=precision), None).score == score


def test_rules_decide_without_judge() -> None:
    judge = FakeJudge("99")
    assert score_mathvista("12 cm", fields("12"), judge) == Verdict(1.0, "12", "rule")
    assert score_mathvista("Answer: B", fields("8/11", choices=CHOICES), judge) == Verdict(
        1.0, "8/11", "rule"
    )
    assert score_mathvista("(C)", fields("8/11", choices=CHOICES), judge) == Verdict(0.0, "6/11", "rule")
    assert judge.asked == []
    # an empty answer is the nearest choice by edit distance (the shortest), as the official
    # normalize_extracted_answer makes it, and the note says so
    verdict = score_mathvista("", fields("3/5", choices=CHOICES), judge)
    assert (verdict.score, verdict.parsed, verdict.method) == (1.0, "3/5", "rule")
    assert verdict.note is not None and "official normalize_extracted_answer" in verdict.note


def test_no_judge_leaves_item_unscored() -> None:
    v = score_mathvista("There are 3 apples and 4 pears, so 7 fruits.", fields("7"), None)
    assert v == Verdict(
        None, None, "none", note="needs the judge: rules could not read an answer and no judge is configured"
    )


def test_judge_extracts_when_rules_cannot() -> None:
    judge = FakeJudge(" 7 ")
    v = score_mathvista("<think>hmm</think>There are 3 apples and 4 pears, so 7 fruits.", fields("7"), judge)
    assert v == Verdict(1.0, "7", "judge")
    content = judge.asked[0][0]["content"]
    assert content.startswith(DEMO_PROMPT.strip())
    assert content.endswith(
        "\n\nHint: ...\nQuestion: How many?\n\nThere are 3 apples and 4 pears, so 7 fruits.\n\nExtracted answer: "
    )
    # multi-choice: the judge's letter maps to the choice text
    assert (
        score_mathvista("the second fraction", fields("8/11", choices=CHOICES), FakeJudge("B")).score == 1.0
    )
    # an empty extraction is wrong
    assert score_mathvista("blah blah", fields("7"), FakeJudge("")).score == 0.0


def test_judge_failure_is_unscored() -> None:
    v = score_mathvista("3 or 4", fields("3"), FakeJudge(None))
    assert v == Verdict(None, None, "none", note="judge failed: endpoint unreachable")


def test_judge_messages_shape() -> None:
    msgs = judge_messages("Q", "R")
    assert msgs == [{"role": "user", "content": DEMO_PROMPT.strip() + "\n\nQ\n\nR\n\nExtracted answer: "}]
    assert "Question: What fraction of the shape is blue?\nChoices:\n(A) 3/11" in DEMO_PROMPT


def test_query() -> None:
    q = mathvista_query("How long is it?", "cm", None, "free_form", "float", np.float64(2.0))
    assert (
        q
        == "How long is it? (Unit: cm)\nAnswer the question using a single floating-point number with two decimal places."
    )
    q = mathvista_query("Which?", "", ["x", "y"], "multi_choice", "text", None)
    assert q == "Which?\nA. x\nB. y\nAnswer with the option's letter from the given choices directly."
    q = mathvista_query("Which?", None, ["x", "y"], "multi_choice", "text", None, shot_type="solution")
    assert q == (
        "Question: Which?\nChoices:\n(A) x\n(B) y\nHint: Please answer the question and provide the correct "
        "option letter, e.g., A, B, C, D, at the end.\nSolution:"
    )
    q = mathvista_query("How many?", "", None, "free_form", "integer", None, shot_type="step-by-step")
    assert q.startswith("Question: How many?\nHint: Please answer the question requiring an integer answer")
    q = mathvista_query("Peak?", "", None, "free_form", "list", None)
    assert q.endswith("Answer the question using a Python list.")
    with pytest.raises(ValueError, match="no hint"):
        mathvista_query("x", "", None, "free_form", "float", 3.0)
    with pytest.raises(ValueError, match="shot_type"):
        mathvista_query("x", "", None, "free_form", "integer", None, shot_type="code")


def test_choices_may_be_an_array() -> None:
    # choices read back from parquet arrive as numpy arrays
    arr = np.array(CHOICES)
    assert rule_extract("(B)", arr, "multi_choice", "text") == "B"
    assert score_mathvista("B", {**fields("8/11", choices=CHOICES), "choices": arr}, None).score == 1.0
    assert mathvista_query("Q", "", arr, "multi_choice", "text", None).startswith("Q\nA. 3/11\nB. 8/11")
