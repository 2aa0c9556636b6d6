from __future__ import annotations

import pytest

from harness.scoring import score_ocrbench


@pytest.mark.parametrize(
    ("response", "answers", "dataset", "score"),
    [
        ("HELLO", ["hello"], "IIIT5K", 1.0),
        ("The word is Hello.", ["hello"], "IIIT5K", 1.0),  # substring of the prediction
        ("helo", ["hello"], "IIIT5K", 0.0),
        ("new\nyork", ["new york"], "IC13_857", 1.0),  # line breaks become spaces
        ("abc", ["xyz", "ABC"], "IIIT5K", 1.0),  # any gold answer
        ("abc", "ABC", "IIIT5K", 1.0),  # a plain string gold is one answer
        ("ＨＥＬＬＯ　ＷＯＲＬＤ", ["hello world"], "IIIT5K", 0.0),  # no full-width folding (as officially)
        # HME100k: case-sensitive, all spaces removed
        ("x^2+y^2", ["x ^ 2 + y ^ 2"], "HME100k", 1.0),
        ("X^2+y^2", ["x ^ 2 + y ^ 2"], "HME100k", 0.0),
        ("\\frac{a}{b}", ["\\frac { a } { b }"], "HME100k", 1.0),
        ("x ^ {2}", ["x^2"], "HME100k", 0.0),
        ("ＸＹ", ["XY"], "HME100k", 0.0),  # no folding for HME100k
    ],
)
def test_substring_rule(response: str, answers: list[str] | str, dataset: str, score: float) -> None:
    assert score_ocrbench(response, answers, dataset).score == score


def test_answer_tags_first() -> None:
    assert score_ocrbench("<answer>Coca Cola</answer>", ["coca cola"], "WordArt").score == 1.0
    assert score_ocrbench("\\boxed{2023}", ["2023"], "ESTVQA").parsed == "2023"
    # a gold string seen only in the reasoning does not count
    assert score_ocrbench("<think>it says STOP</think>GO", ["stop"], "IIIT5K").score == 0.0
    assert score_ocrbench("It could read STOP or GO. <answer>GO</answer>", ["stop"], "IIIT5K").score == 0.0


def test_empty_prediction_and_empty_gold() -> None:
    v = score_ocrbench("", ["a"], "IIIT5K")
    assert (v.score, v.parsed, v.note) == (0.0, None, "nothing parsed")
    # The official quirk, kept and named: an empty gold is a substring of any prediction.
    for answers in (["", "  "], ["", "thing"], [""]):
        quirk = score_ocrbench("anything", answers, "IIIT5K")
        assert quirk.score == 1.0 and quirk.note is not None and "official quirk" in quirk.note
    assert score_ocrbench("", [""], "IIIT5K").score == 1.0
    assert score_ocrbench("anything", [], "IIIT5K").score == 0.0
