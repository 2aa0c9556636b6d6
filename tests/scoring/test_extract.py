from __future__ import annotations

import pytest

from harness.scoring import extract_answer, normalize_text, score_exact


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        ("<think>it is red</think><answer>Blue</answer>", "Blue"),
        ("<answer>1</answer> then <answer>2</answer>", "2"),
        ("so the answer is \\boxed{\\frac{1}{2}}", "\\frac{1}{2}"),
        ("<think>long</think> green", "green"),
        ("plain", "plain"),
        ("", ""),
    ],
)
def test_extract_answer(response: str, expected: str) -> None:
    assert extract_answer(response) == expected


def test_normalize_and_exact_match() -> None:
    assert normalize_text("  The  Red. ") == "the red"
    assert score_exact("<answer> RED </answer>", "red") == (1.0, "RED")
    # The target word elsewhere in the response does not count.
    assert score_exact("<think>red</think><answer>blue</answer>", "red")[0] == 0.0
