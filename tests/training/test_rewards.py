"""GRPO rewards: right answers pay, every known way of gaming the accuracy reward does not."""

from __future__ import annotations

import ast
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from harness.training import rewards
from harness.training.rewards import REWARD_FUNCS, accuracy_reward, compute_score, format_reward

CHOICES = ["red", "blue", "green", "yellow"]


def wrap(answer: str, think: str = "Let me look.") -> str:
    return f"<think>{think}</think><answer>{answer}</answer>"


def acc(
    answer_text: str,
    gold: str,
    kind: str | None,
    choices: list[str] | None = None,
    keywords: list[list[str]] | None = None,
) -> float:
    score = accuracy_reward([answer_text], [gold], [kind], [choices], keywords)[0]
    assert score is not None  # the accuracy reward always scores
    return score


@pytest.mark.parametrize("answer", ["B", "(B)", "B.", "B)", "B. blue", "(B) Blue", "blue", " Blue. "])
def test_letter_correct(answer: str) -> None:
    assert acc(wrap(answer), "B", "letter", CHOICES) == 1.0


@pytest.mark.parametrize(
    "answer",
    ["A, B, C, D", "A B C D", "A or B", "B or C", "red, blue", "red blue green yellow", "B. red", "b", "E"],
)
def test_letter_several_or_wrong_options_score_zero(answer: str) -> None:
    assert acc(wrap(answer), "B", "letter", CHOICES) == 0.0


def test_letter_gold_given_as_option_text() -> None:
    assert acc(wrap("B"), "blue", "letter", CHOICES) == 1.0


@pytest.mark.parametrize(
    ("answer", "gold"),
    [
        ("12", "12"),
        ("12.0", "12"),
        ("$12$", "12"),
        ("\\boxed{12}", "12"),
        ("x = 12", "12"),
        ("1,000", "1000"),
        ("1000", "1,000"),
        ("0.5", "1/2"),
        ("1/2", "0.5"),
        ("\\frac{1}{2}", "0.5"),
        ("$\\dfrac{1}{2}$", "0.5"),
        ("-3", "-3"),
    ],
)
def test_number_equivalences(answer: str, gold: str) -> None:
    assert acc(wrap(answer), gold, "number") == 1.0


@pytest.mark.parametrize(
    "answer", ["not 12 but 13", "12 13", "12, 13", "12 apples", "13", "1/3", "twelve", "-12"]
)
def test_number_wrong_or_ambiguous_scores_zero(answer: str) -> None:
    assert acc(wrap(answer), "12", "number") == 0.0


def test_number_falls_back_to_floats_without_math_verify(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "math_verify", None)  # import now raises ImportError
    assert acc(wrap("1,000"), "1000", "number") == 1.0
    assert acc(wrap("\\frac{1}{2}"), "0.5", "number") == 1.0
    assert acc(wrap("1/2"), "0.5", "number") == 1.0
    assert acc(wrap("not 12 but 13"), "12", "number") == 0.0
    assert acc(wrap("13"), "12", "number") == 0.0


def test_number_outside_main_thread() -> None:
    """math_verify's SIGALRM timeout only works in the main thread; elsewhere it must still score."""
    out: list[float] = []
    t = threading.Thread(target=lambda: out.append(acc(wrap("\\frac{1}{2}"), "0.5", "number")))
    t.start()
    t.join()
    assert out == [1.0]


@pytest.mark.parametrize(("answer", "score"), [("yes", 1.0), ("Yes, it is red.", 1.0), ("no", 0.0)])
def test_yesno(answer: str, score: float) -> None:
    assert acc(wrap(answer), "yes", "yesno") == score


@pytest.mark.parametrize("answer", ["yes and no", "Yes. No.", "maybe yes", "no or yes"])
def test_yesno_hedging_scores_zero(answer: str) -> None:
    assert acc(wrap(answer), "yes", "yesno") == 0.0
    assert acc(wrap(answer), "no", "yesno") == 0.0


@pytest.mark.parametrize("kind", ["ocr", "text"])
def test_text_exact_after_normalising(kind: str) -> None:
    assert acc(wrap("  Hello   World. "), "hello world", kind) == 1.0
    assert acc(wrap("the text says hello world"), "hello world", kind) == 0.0  # no substring credit
    assert acc(wrap("hello"), "hello world", kind) == 0.0


def test_open_exact_or_all_keywords() -> None:
    assert acc(wrap("Red cube."), "red cube", "open") == 1.0
    assert acc(wrap("It is a red cube"), "red cube", "open") == 0.0  # no keywords column: exact only
    assert acc(wrap("It is a red cube"), "red cube", "open", keywords=[["red", "cube"]]) == 1.0
    assert acc(wrap("It is a red sphere"), "red cube", "open", keywords=[["red", "cube"]]) == 0.0
    assert acc(wrap("a reddish cube"), "red cube", "open", keywords=[["red", "cube"]]) == 0.0  # whole words


def test_unknown_type_uses_math_then_text() -> None:
    assert acc(wrap("1/2"), "0.5", None) == 1.0
    assert acc(wrap("not 12 but 13"), "12", None) == 0.0
    assert acc(wrap("Paris."), "paris", "unheard-of") == 1.0
    assert acc(wrap("Paris or Rome"), "paris", None) == 0.0


@pytest.mark.parametrize(
    "completion",
    [
        "<think>The answer is B.</think>",  # answer only in think
        "<think>x</think>B",  # answer outside the tags
        "B <answer></answer>",  # empty tags, answer outside
        "<think>x</think><answer>  </answer>",  # empty tags
        "<answer>A</answer><answer>B</answer>",  # several answer blocks
        "<think>x</think><answer>B</answer><answer>B</answer>",  # several, all right
        "<think><answer>B</answer></think>",  # the only block is inside think
        "<think>x</think><answer>B</answer></answer>",  # stray closing tag
        # Truncated while reasoning (max_new_tokens): an unclosed think has no final answer, even
        # when an answer block was written inside it (the scorers' extractor reads it the same way).
        "<think>Option B looks right. <answer>B</answer> but wait",
        "<answer>B</answer><think>checking again",
        "B",
        "",
    ],
)
def test_gaming_and_missing_answer_blocks_score_zero(completion: str) -> None:
    assert acc(completion, "B", "letter", CHOICES) == 0.0


def test_answer_without_think_still_scores() -> None:
    assert acc("<answer>B</answer>", "B", "letter", CHOICES) == 1.0  # format is format_reward's job


def test_conversational_completions() -> None:
    convo = [[{"role": "assistant", "content": wrap("12")}], [{"role": "assistant", "content": wrap("13")}]]
    parts = [[{"role": "assistant", "content": [{"type": "text", "text": wrap("12")}]}]]
    assert accuracy_reward(convo, ["12", "12"], ["number", "number"], [None, None]) == [1.0, 0.0]
    assert accuracy_reward(parts, ["12"], ["number"], [None]) == [1.0]
    assert format_reward(convo + parts) == [1.0, 1.0, 1.0]


def test_columns_missing_and_extra_kwargs() -> None:
    """TRL passes every dataset column plus its own kwargs; answer_type/choices may be absent."""
    out = accuracy_reward(
        [wrap("12"), wrap("x")], solution=["12", "12"], trainer_state=None, item_id=["a", "b"]
    )
    assert out == [1.0, 0.0]


@pytest.mark.parametrize(
    ("completion", "score"),
    [
        ("<think>reason</think><answer>B</answer>", 1.0),
        ("  <think>\nreason\n</think>\n\n<answer> B </answer>\n", 1.0),
        ("<think></think><answer>B</answer>", 1.0),  # empty reasoning is still the format
        ("<answer>B</answer>", 0.0),
        ("<think>reason</think>", 0.0),
        ("<think>reason</think><answer></answer>", 0.0),
        ("<think>reason</think>So: <answer>B</answer>", 0.0),
        ("<think>reason</think><answer>B</answer> done", 0.0),
        ("<answer>B</answer><think>reason</think>", 0.0),
        ("<think>reason</think><answer>A</answer><answer>B</answer>", 0.0),
        ("<think>a<answer>A</answer></think><answer>B</answer>", 0.0),
        ("<think>a</think><think>b</think><answer>B</answer>", 0.0),
    ],
)
def test_format_reward(completion: str, score: float) -> None:
    assert format_reward([completion]) == [score]


def test_reward_funcs_registry() -> None:
    assert REWARD_FUNCS["accuracy"] is accuracy_reward
    assert REWARD_FUNCS["format"] is format_reward
    assert set(REWARD_FUNCS) == {"accuracy", "format"}


def test_compute_score_equals_accuracy_reward() -> None:
    cases: list[tuple[str, str, dict[str, Any] | None]] = [
        (wrap("B"), "B", {"answer_type": "letter", "choices": CHOICES}),
        (wrap("A, B"), "B", {"answer_type": "letter", "choices": CHOICES}),
        (wrap("1/2"), "0.5", {"answer_type": "number", "choices": None}),
        (wrap("yes and no"), "yes", {"answer_type": "yesno"}),
        (wrap("red cube here"), "red cube", {"answer_type": "open", "keywords": ["red", "cube"]}),
        ("<think>12</think>", "12", {"answer_type": "number"}),
        (wrap("Paris"), "paris", None),
    ]
    for text, gold, info in cases:
        info_d = info or {}
        expected = accuracy_reward(
            [text], [gold], [info_d.get("answer_type")], [info_d.get("choices")], [info_d.get("keywords")]
        )[0]
        assert compute_score("harness_synth", text, gold, info) == expected


def _imports(module: object) -> set[str]:
    tree = ast.parse(Path(module.__file__).read_text())  # type: ignore[attr-defined]
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    return names | {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}


def test_module_is_self_contained() -> None:
    """verl machines lack the harness: besides the stdlib and math_verify, the rewards import only
    the answer extractor, itself stdlib-only (the verl export inlines it)."""
    from harness.scoring import extract

    stdlib = set(sys.stdlib_module_names) | {"__future__"}
    assert {n.split(".")[0] for n in _imports(rewards) - {"harness.scoring.extract"}} <= stdlib | {
        "math_verify"
    }
    assert {n.split(".")[0] for n in _imports(extract)} <= stdlib
