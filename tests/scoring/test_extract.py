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


# Reasoning-style responses as GRPO-trained and "thinking" checkpoints write them. The final answer
# is what follows the reasoning; nothing inside a <think> block is ever an answer, and a response cut
# off inside <think> (max_new_tokens reached) has no final answer at all.
REASONING = [
    # closed think, then the answer: the answer block or box after it wins
    ("<think>The red circle is option A? No, B.</think>\n<answer>B</answer>", "B"),
    ("<think>maybe \\boxed{3}</think> so \\boxed{4}", "4"),
    ("<think>answer: <answer>A</answer> hmm, no</think><answer>C</answer>", "C"),
    ("<think>try <answer>A</answer></think>The answer is (B).", "The answer is (B)."),
    ("<think>\\boxed{7}</think>", ""),
    # an answer block wrapping a box is the box's content
    ("<answer>\\boxed{4}</answer>", "4"),
    ("<think>x</think><answer> $\\boxed{\\frac{1}{2}}$ </answer>", "\\frac{1}{2}"),
    # truncated inside the reasoning: no final answer, whatever the reasoning mentions
    ("<think>The red circle is option A. Hmm", ""),
    ("<think>so \\boxed{12} or maybe <answer>13</answer>, let me check", ""),
    ("<think>first</think><think>second thoughts about B", ""),
    # text before the reasoning is not the answer either when the reasoning is cut
    ("Let me think. <think>it could be A", ""),
    # case and spacing of the tags
    ("<THINK>b</THINK>\n\n<Answer> d </Answer>", "d"),
]


@pytest.mark.parametrize(("response", "expected"), REASONING)
def test_reasoning_blocks_are_never_the_answer(response: str, expected: str) -> None:
    assert extract_answer(response) == expected


def test_a_truncated_reasoning_scores_zero_on_a_letter_benchmark() -> None:
    from harness.scoring import score_mmstar

    assert score_mmstar("<think>The red circle is option A. Hmm", "A").score == 0.0
    assert score_mmstar("<think>The red circle is option A.</think>\nA", "A").score == 1.0


def test_a_truncated_reasoning_is_scored_zero_with_the_reason() -> None:
    from harness.scoring import score_mmmu, score_mmstar, score_ocrbench

    cut = "<think>The sign reads STOP, so the answer is (A) STOP. Let me double-check the"
    verdicts = [
        score_mmstar(cut, "A"),
        score_mmmu(cut, "multiple-choice", ["STOP", "GO"], "A"),
        score_ocrbench(cut, ["STOP"], "IIIT5K"),
    ]
    for verdict in verdicts:
        assert verdict.score == 0.0 and verdict.parsed is None
        assert verdict.note is not None and "unclosed <think>" in verdict.note
    assert score_mmstar("I cannot tell from this image.", "A").note == "nothing parsed"


def test_the_judge_sees_the_response_without_closed_reasoning_else_verbatim() -> None:
    from harness.scoring.extract import judge_view

    assert judge_view("  The price is $3.\n") == "  The price is $3.\n"  # verbatim, as officially
    assert judge_view("<think>two or three</think>\nThree.") == "Three."
    assert judge_view("<think>only reasoning</think>") == "<think>only reasoning</think>"
    assert judge_view("<think>cut off while") == "<think>cut off while"
