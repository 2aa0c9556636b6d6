from __future__ import annotations

import pytest

from harness.scoring import Verdict, score_mmstar
from harness.scoring.mmstar import read_letter


@pytest.mark.parametrize(
    ("response", "letter"),
    [
        ("B", "B"),
        ("(B)", "B"),
        ("B.", "B"),
        ("B)", "B"),
        ("Answer: B", "B"),
        ("D. dog", "D"),
        ("C: 45 degrees", "C"),
        ("The correct option is (D).", "D"),
        ("So the answer is C.", "C"),
        ("答案是B", "B"),
        ("Answer:\nC", "C"),
        ("**B**", "B"),
        # several candidates: the highest-ranked format, then the one written last
        ("Initially I thought the answer is A. But after checking, the answer is C.", "C"),
        ("Both A and B are wrong; the best answer is D.", "D"),
        # a letter must stand alone: not the D of "Data", the A of "DNA" or the C of "Cat"
        ("The answer is B because of Data", "B"),
        ("The answer is C (DNA replication).", "C"),
        ("The answer is B rather than C because the arrow points left.", "B"),
        ("My answer is A since Bob is taller.", "A"),
        ("Vitamin D", "D"),
    ],
)
def test_read_letter(response: str, letter: str) -> None:
    assert read_letter(response) == letter


@pytest.mark.parametrize("response", ["", "   ", "I think it's cat", "None of the options", "Cat", "Dog"])
def test_nothing_parsed_scores_zero(response: str) -> None:
    assert score_mmstar(response, "A") == Verdict(0.0, None, "rule", note="nothing parsed")


def test_answer_part_first() -> None:
    # the letter inside the <think> block never counts
    assert score_mmstar("<think>The answer is A.</think><answer>C</answer>", "C") == Verdict(1.0, "C", "rule")
    assert score_mmstar("<think>Option A looks right. (A)</think>\nB", "B").score == 1.0
    assert score_mmstar("<think>(A)</think>", "A").parsed is None
    assert score_mmstar("The final answer is $\\boxed{A}$", "A").score == 1.0


def test_gold_is_normalised_and_wrong_letter_scores_zero() -> None:
    assert score_mmstar("B", " b ").score == 1.0
    assert score_mmstar("A", "B") == Verdict(0.0, "A", "rule")
