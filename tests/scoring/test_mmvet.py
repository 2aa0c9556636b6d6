from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pytest

from harness.scoring import Verdict, score_mmvet, score_mmvet_approx
from harness.scoring.mmvet import MM_VET_PROMPT, judge_messages, parse_judge
from harness.scoring.verdict import JudgeError

T = TypeVar("T")


class FakeJudge:
    """Passes a fixed reply through `parse` (or raises JudgeError) and records the request."""

    identity = "fake-judge"

    def __init__(self, reply: str | None) -> None:
        self.reply = reply
        self.asked: list[list[dict[str, str]]] = []

    def ask(self, messages: list[dict[str, str]], parse: Callable[[str], T]) -> T:
        self.asked.append(messages)
        if self.reply is None:
            raise JudgeError("no parseable reply after 3 tries")
        return parse(self.reply)


def test_judge_messages_follow_the_official_request() -> None:
    msgs = judge_messages("What is x?", "-1<AND>-5", "x = -1")
    assert len(msgs) == 1 and msgs[0]["role"] == "user"
    assert msgs[0]["content"] == MM_VET_PROMPT + "\nWhat is x? | -1 <AND> -5 | x = -1 | "
    assert "\n\nQuestion | Ground truth | Prediction | Correctness\n--- | --- | --- | ---\n" in MM_VET_PROMPT
    assert MM_VET_PROMPT.endswith("physical characteristics. | 1.0\n")
    assert judge_messages("q", "a<OR>b", "p")[0]["content"].endswith("\nq | a <OR> b | p | ")


@pytest.mark.parametrize(
    ("text", "score"), [("0.5", 0.5), ("1.0", 1.0), ("0.0 (totally wrong)", 0.0), ("0.7\n", 0.7)]
)
def test_parse_judge(text: str, score: float) -> None:
    assert parse_judge(text) == score


# As officially: the text before the first space, so a leading space or a line break reads nothing.
@pytest.mark.parametrize("text", ["", "   ", "correct", "1.5", "-0.1", "nan", "0.5,", " 1.0", "1.0\nbecause"])
def test_parse_judge_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_judge(text)


@pytest.mark.parametrize(
    ("response", "answer", "score"),
    [
        # the few-shot table's own examples
        ("x = 3", "-1<AND>-5", 0.0),
        ("x = -1", "-1<AND>-5", 0.5),
        ("x = -5 or 5", "-1<AND>-5", 0.5),
        ("x = -1 or x = -5", "-1<AND>-5", 1.0),
        ("It is a cat.", "dog<OR>cat", 1.0),
        ("It is a bird.", "dog<OR>cat", 0.0),
        ("The total is 1,000 dollars.", "1000", 1.0),
        ("About 12.5% of people.", "12.5%", 1.0),
        ("About 12.50 of them", "12.5", 1.0),
        ("Red", "red", 1.0),
        ("The sign says New York City.", "New York", 1.0),
        ("The sign says Newark.", "New", 0.0),  # whole words only
        ("<think>it is a cat</think>a dog", "cat", 0.0),
        ("<answer>cat</answer>", "cat", 1.0),
    ],
)
def test_approx(response: str, answer: str, score: float) -> None:
    v = score_mmvet_approx(response, answer)
    assert v.score == score and v.method == "rule_approx"
    assert v.note is not None and "approximate" in v.note


def test_approx_long_answer_is_word_overlap() -> None:
    gold = "The meme jokes that Iceland is green while Greenland is icy"
    v = score_mmvet_approx("Iceland is green and Greenland is icy.", gold)
    assert v.score is not None and 0.5 < v.score < 1.0
    assert score_mmvet_approx("No idea.", gold).score == 0.0
    empty = score_mmvet_approx("", gold)
    assert (empty.score, empty.parsed) == (0.0, None)


def test_score_mmvet_paths() -> None:
    assert score_mmvet("It is a cat.", "q", "cat", None).method == "rule_approx"
    judge = FakeJudge("0.8 because most parts are right")
    assert score_mmvet("<think>hmm</think>It is a cat.", "q", "cat", judge) == Verdict(
        0.8, "It is a cat.", "judge"
    )
    assert judge.asked[0][0]["content"].endswith("\nq | cat | It is a cat. | ")
    failed = score_mmvet("It is a cat.", "q", "cat", FakeJudge(None))
    assert failed == Verdict(None, None, "none", note="judge failed: no parseable reply after 3 tries")
