from __future__ import annotations

import pytest

from harness.scoring import (
    parse_letter,
    score_choice,
    score_contains,
    score_keywords,
    score_number,
    score_yesno,
)

CHOICES = ["red", "blue", "DNA test", "green"]


@pytest.mark.parametrize(
    ("answer", "letter"),
    [
        ("B", "B"),
        ("(C)", "C"),
        ("D. green", "D"),
        ("blue", "B"),
        ("b", None),
        ("DNA test", "C"),
        ("E", None),
        ("", None),
    ],
)
def test_parse_letter(answer: str, letter: str | None) -> None:
    assert parse_letter(answer, CHOICES) == letter


def test_choice_scoring_never_guesses() -> None:
    assert score_choice("<answer>A</answer>", CHOICES, "A") == (1.0, "A")
    # A capital inside a word is not an option letter; nothing parses -> wrong, recorded as None.
    assert score_choice("<answer>AUC is high</answer>", CHOICES, "A") == (0.0, None)


def test_number_scoring() -> None:
    assert score_number("<answer>7</answer>", "7") == (1.0, "7")
    assert score_number("<answer>7.0</answer>", "7") == (1.0, "7")
    assert score_number("<answer>1,200</answer>", "1200")[0] == 1.0
    assert score_number("<answer>3.14159</answer>", "3.14", precision=2)[0] == 1.0
    assert score_number("<answer>3 or 4</answer>", "3") == (0.0, None)
    assert score_number("<answer>none</answer>", "3") == (0.0, None)


def test_contains_yesno_keywords() -> None:
    assert score_contains("<answer>The word is CAT.</answer>", "cat")[0] == 1.0
    assert score_contains("<answer>dog</answer>", "cat")[0] == 0.0
    assert score_yesno("<answer>Yes, it is.</answer>", "yes") == (1.0, "yes")
    assert score_yesno("<answer>maybe</answer>", "no") == (0.0, None)
    assert score_keywords("<answer>a red circle</answer>", ["red", "circle"])[0] == 1.0
    assert score_keywords("<answer>red square</answer>", ["red", "circle"])[0] == 0.5
    assert score_keywords("<answer>redcircle</answer>", ["red", "circle"])[0] == 0.0
