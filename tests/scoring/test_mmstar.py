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


@pytest.mark.parametrize("response", ["", "   ", "I think it's cat", "None of the options"])
def test_nothing_parsed_scores_zero(response: str) -> None:
    assert score_mmstar(response, "A") == Verdict(0.0, None, "rule", note="nothing parsed")
    assert score_mmstar(response, "A", rule="strict") == Verdict(0.0, None, "rule", note="nothing parsed")


@pytest.mark.parametrize(
    ("response", "gold", "score", "parsed", "states"),
    [
        # The official first-character rule, kept by default so scores compare with published ones;
        # the note names what the answer itself states.
        ("Answer: C", "A", 1.0, "A", "C"),
        ("Answer: B", "B", 0.0, "A", "B"),
        ("Because the arrow points left, C.", "B", 1.0, "B", "C"),
        ("dog", "D", 1.0, "D", None),
        ("the answer is a cat", "A", 1.0, "A", None),
        ("**B**", "B", 0.0, None, "B"),
        ("Option (B)", "B", 0.0, None, "B"),
    ],
)
def test_official_quirks_are_kept_and_named(
    response: str, gold: str, score: float, parsed: str | None, states: str | None
) -> None:
    verdict = score_mmstar(response, gold)
    assert (verdict.score, verdict.parsed) == (score, parsed)
    assert verdict.note is not None and "official MMStar rule" in verdict.note
    assert (f"the answer states {states}" in verdict.note) if states else ("no letter stands" in verdict.note)
    strict = score_mmstar(response, gold, rule="strict")
    assert strict.parsed == states and strict.score == float(states == gold)


def test_agreeing_readings_carry_no_note() -> None:
    assert score_mmstar("B. The dog is left of the cat.", "B") == Verdict(1.0, "B", "rule")
    assert score_mmstar("(C)", "B") == Verdict(0.0, "C", "rule")


def test_answer_part_first() -> None:
    # the letter inside the <think> block never counts
    assert score_mmstar("<think>The answer is A.</think><answer>C</answer>", "C") == Verdict(1.0, "C", "rule")
    assert score_mmstar("<think>Option A looks right. (A)</think>\nB", "B").score == 1.0
    assert score_mmstar("<think>(A)</think>", "A").parsed is None
    assert score_mmstar("The final answer is $\\boxed{A}$", "A").score == 1.0


def test_gold_is_normalised_and_wrong_letter_scores_zero() -> None:
    assert score_mmstar("B", " b ").score == 1.0
    assert score_mmstar("A", "B") == Verdict(0.0, "A", "rule")
