from __future__ import annotations

import pytest

from harness.scoring import Verdict, mmmu_options, score_mmmu
from harness.scoring.mmmu import gold_answers, parse_open

OPTS = ["cat", "dog", "bird", "fish"]


@pytest.mark.parametrize(
    ("response", "letter"),
    [
        ("B", "B"),
        ("(B)", "B"),
        ("B.", "B"),
        ("The answer is B.", "B"),
        ("Answer: (C)", "C"),
        ("(A) cat", "A"),
        ("A. cat", "A"),
        ("Answer:\nB", "B"),
        # several candidates: the one mentioned last, brackets first
        ("Between (A) and (C), I choose (C).", "C"),
        ("A or B? I would say B", "B"),
        ("A. cat or B. dog", "B"),
        # option text only when the response has more than 5 words
        ("I really think that it is a dog here", "B"),
        ("The bird is shown, not the fish, and I am sure", "D"),
        # the leading-space rule: a capital ending a word is not a letter
        ("It is the DNA helix that shows a bird", "C"),
        ("AUC is the metric, so B.", "B"),
        # answer part first
        ("<think>A is tempting</think>B", "B"),
        ("<answer>C</answer>", "C"),
        ("\\boxed{D}", "D"),
    ],
)
def test_multiple_choice(response: str, letter: str) -> None:
    assert score_mmmu(response, "multiple-choice", OPTS, letter) == Verdict(1.0, letter, "rule")


@pytest.mark.parametrize(
    "response", ["", "xyz", "The answer is dog.", "E", "b", "DNA polymerase", "<think>B</think>"]
)
def test_nothing_parsed_is_wrong_never_random(response: str) -> None:
    for gold in "ABCD":
        assert score_mmmu(response, "multiple-choice", OPTS, gold) == Verdict(
            0.0, None, "rule", note="nothing parsed"
        )


@pytest.mark.parametrize(
    ("response", "gold", "score"),
    [
        ("12", "12", 1.0),
        ("12 cm", "12", 1.0),
        ("The length is 12 cm.", "12", 1.0),
        ("1,000", "1000", 1.0),
        ("So the final answer is 1,000 dollars", "1000", 1.0),
        ("-3.5", "-3.5", 1.0),
        ("The answer is -3.5", "3.5", 0.0),
        ("The answer is 3.14159", "3.14", 1.0),  # both rounded to 2 decimals
        ("x = 7", "7", 1.0),
        ("Therefore, x = 15 degrees", "15", 1.0),
        ("It is 0.50", "0.5", 1.0),
        ("50%", "50", 1.0),
        ("2.5e3", "2500", 1.0),
        ("The answer is 1/2", "0.5", 0.0),  # no fraction arithmetic, as upstream
        ("The capital is Paris.", "Paris", 1.0),
        ("The answer is a", "A", 1.0),
        ("banana", "A", 0.0),  # a one-letter gold must stand alone
        ("<think>It is 4</think>The answer is 5", "5", 1.0),
        ("<think>It is 5</think>The answer is 4", "5", 0.0),
        ("\\boxed{42}", "42", 1.0),
        # a list-literal gold is several acceptable answers
        ("3.43", "['24/7', '3.43']", 1.0),
        ("The result is 24/7", "['24/7', '3.43']", 1.0),
        ("3.5", "['24/7', '3.43']", 0.0),
    ],
)
def test_open(response: str, gold: str, score: float) -> None:
    assert score_mmmu(response, "open", [], gold).score == score


def test_open_empty_and_parsed_text() -> None:
    assert score_mmmu("", "open", [], "5") == Verdict(0.0, None, "rule", note="nothing parsed")
    assert parse_open("So the final answer is 1,000 dollars") == ["1,000 dollars", 1000.0, 0.0]
    assert score_mmmu("12 cm", "open", [], "12").parsed == "12 cm | 12.0"


def test_gold_answers() -> None:
    assert gold_answers("['24/7', '3.43']") == ["24/7", "3.43"]
    assert gold_answers("[1, 2]") == ["1", "2"]
    assert gold_answers("[not a literal") == ["[not a literal"]
    assert gold_answers("B") == ["B"]
    assert score_mmmu("(C)", "multiple-choice", OPTS, "['B', 'C']").score == 1.0


def test_options_and_question_type() -> None:
    assert mmmu_options("['a', 'b']") == ["a", "b"]
    assert mmmu_options("[]") == []
    for bad in ("a, b", "{'a': 1}", "[1, 2]", "['a'"):
        with pytest.raises(ValueError, match="MMMU options"):
            mmmu_options(bad)
    with pytest.raises(ValueError, match="question_type"):
        score_mmmu("A", "multiple_choice", OPTS, "A")


def test_empty_option_text_never_matches() -> None:
    assert (
        score_mmmu("I have no idea what this picture shows", "multiple-choice", ["", "dog"], "A").parsed
        is None
    )
