"""Parity with lmms-eval 0.7.3's own scorers (MMStar's strict reading, which follows lmms-eval's;
MMMU; OCRBench; MathVista's prompt and normaliser), item by item, except the listed deliberate
differences, each checked in its direction.

lmms-eval's task modules are imported once per module with API_TYPE=dummy (MathVista's module builds
a judge client at import and fails without a key otherwise).
"""

from __future__ import annotations

import importlib
import random
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from harness.scoring import mathvista_query, score_mmmu, score_mmstar, score_ocrbench
from harness.scoring.mathvista import normalize

pytest.importorskip("lmms_eval")

# ----------------------------------------------------------------------------------------- MMStar
# (response, gold letter)
MMSTAR_CASES: list[tuple[str, str]] = [
    ("B", "B"),
    ("(C)", "C"),
    ("Answer: A", "A"),
    ("D. dog", "D"),
    ("B.", "B"),
    ("B)", "B"),
    ("C: 45 degrees", "C"),
    ("(B) 8/11", "B"),
    ("The correct option is (D).", "D"),
    ("A", "B"),
    ("Looking at the image, the man is holding an umbrella. So the answer is C.", "C"),
    ("Option C is correct.", "C"),
    ("I choose A.", "A"),
    ("Both A and B are wrong; the best answer is D.", "D"),
    ("Initially I thought the answer is A. But after checking, the answer is C.", "C"),
    ("The answer is (A) apple", "A"),
    ("**B**", "B"),
    ("Answer:\nC", "C"),
    ("答案是B", "B"),
    ("The DNA strand shows the answer is C", "C"),
    ("It appears in the U.S.A. so D", "D"),
    ("Vitamin D", "D"),
    ("A and C", "C"),
    ("A cat is sitting on the mat, so the answer is B", "B"),  # kept quirk: a leading "A " wins
    ("The answer is B, not C", "B"),  # kept quirk: a letter ending the text wins
    ("<think>Option A looks plausible but no.</think>\nB", "B"),
    ("<think>The answer is A.</think><answer>C</answer>", "C"),
    ("\\boxed{D}", "D"),
    ("The final answer is $\\boxed{A}$", "A"),
    ("", "A"),
    ("   ", "A"),
    ("None of the options", "A"),
    ("I think it's cat", "A"),
    ("b", "B"),
    ("The answer is b", "B"),
    ("choice: D", "D"),
    ("Since the DNA molecule is shown, it is B", "B"),
    # deliberate differences (MMSTAR_DIFFERENCES)
    ("The answer is B because of Data", "B"),
    ("The answer is B rather than C because the arrow points left.", "B"),
    ("The answer is C (DNA replication).", "C"),
    ("My answer is A since Bob is taller.", "A"),
    ("Cat", "C"),
    ("The image shows a Dog", "D"),
    ("<think>(A)</think>", "A"),
]

# response -> (lmms-eval score, our score, why)
MMSTAR_DIFFERENCES: dict[str, tuple[float, float, str]] = {
    "The answer is B because of Data": (0.0, 1.0, 'lmms reads the "D" of "Data" after the answer phrase'),
    "The answer is B rather than C because the arrow points left.": (
        0.0,
        1.0,
        "lmms keeps the latest letter after the phrase; ours the first one after it",
    ),
    "The answer is C (DNA replication).": (0.0, 1.0, 'lmms reads the "A" of "DNA" after the answer phrase'),
    "My answer is A since Bob is taller.": (0.0, 1.0, 'lmms reads the "B" of "Bob" after the answer phrase'),
    "Cat": (1.0, 0.0, 'lmms falls back to any capital: the "C" of "Cat"'),
    "The image shows a Dog": (1.0, 0.0, 'lmms falls back to any capital: the "D" of "Dog"'),
    "<think>(A)</think>": (1.0, 0.0, "a letter only inside <think> is not an answer for us"),
    "b": (0.0, 1.0, "a lone lower-case letter is read, as the official MMStar_eval reads it"),
}


# ------------------------------------------------------------------------------------------- MMMU
OPTS = ["cat", "dog", "bird", "fish"]
OPTS_SCI = ["DNA replication", "RNA splicing", "protein folding", "lipid synthesis"]
# (response, question_type, options, gold)
MMMU_CASES: list[tuple[str, str, list[str], str]] = [
    ("B", "multiple-choice", OPTS, "B"),
    ("(B)", "multiple-choice", OPTS, "B"),
    ("B.", "multiple-choice", OPTS, "B"),
    ("The answer is B.", "multiple-choice", OPTS, "B"),
    ("Answer: (C)", "multiple-choice", OPTS, "C"),
    ("(A) cat", "multiple-choice", OPTS, "A"),
    ("A. cat", "multiple-choice", OPTS, "A"),
    ("D", "multiple-choice", OPTS, "B"),
    ("I really think that it is a dog here", "multiple-choice", OPTS, "B"),
    ("The DNA sample points to option B", "multiple-choice", OPTS, "B"),
    ("AUC is the metric, so B.", "multiple-choice", OPTS, "B"),
    ("Between (A) and (C), I choose (C).", "multiple-choice", OPTS, "C"),
    ("A or B? I would say B", "multiple-choice", OPTS, "B"),
    ("The bird is shown, not the fish, and I am sure", "multiple-choice", OPTS, "D"),
    ("Answer:\nB", "multiple-choice", OPTS, "B"),
    ("C.", "multiple-choice", OPTS, "C"),
    ("The correct choice is (D) fish", "multiple-choice", OPTS, "D"),
    ("I think the fish is correct here overall", "multiple-choice", OPTS, "D"),
    ("Options A and B are wrong. C is right.", "multiple-choice", OPTS, "C"),
    ("It is clearly a cat in the picture, not a dog.", "multiple-choice", OPTS, "B"),
    ("The process in the figure is clearly protein folding overall", "multiple-choice", OPTS_SCI, "C"),
    # open questions
    ("12", "open", [], "12"),
    ("12 cm", "open", [], "12"),
    ("The length is 12 cm.", "open", [], "12"),
    ("1,000", "open", [], "1000"),
    ("So the final answer is 1,000 dollars", "open", [], "1000"),
    ("-3.5", "open", [], "-3.5"),
    ("The answer is 3.14159", "open", [], "3.14"),
    ("x = 7", "open", [], "7"),
    ("Paris", "open", [], "paris"),
    ("The capital is Paris.", "open", [], "Paris"),
    ("a", "open", [], "A"),
    ("The answer is a", "open", [], "A"),
    ("", "open", [], "5"),
    ("<think>It is 4</think>The answer is 5", "open", [], "5"),
    ("\\boxed{42}", "open", [], "42"),
    ("2.5e3", "open", [], "2500"),
    ("The answer is 1/2", "open", [], "0.5"),
    ("Therefore, x = 15 degrees", "open", [], "15"),
    ("It is 0.50", "open", [], "0.5"),
    ("50%", "open", [], "50"),
    ("The value is 5.\nAnswer: 6", "open", [], "6"),
    # deliberate differences (MMMU_DIFFERENCES)
    ("The answer is dog.", "multiple-choice", OPTS, "B"),
    ("xyz", "multiple-choice", OPTS, "A"),
    ("", "multiple-choice", OPTS, "A"),
    ("E", "multiple-choice", OPTS, "A"),
    ("It is the DNA helix that shows a bird", "multiple-choice", OPTS, "C"),
    ("DNA polymerase", "multiple-choice", OPTS, "A"),
    ("<think>A is tempting</think>B", "multiple-choice", OPTS, "B"),
    ("<answer>C</answer>", "multiple-choice", OPTS, "C"),
    ("A. cat or B. dog", "multiple-choice", OPTS, "B"),
    ("3.43", "open", [], "['24/7', '3.43']"),
    ("The result is 24/7", "open", [], "['24/7', '3.43']"),
    ("<think>The answer is 5</think>\nMaybe 4.", "open", [], "5"),
]

RANDOM = -1.0  # lmms-eval picks a random letter: its score is whatever the guess gives
# (response, gold) -> (lmms-eval score or RANDOM, our score, why)
MMMU_DIFFERENCES: dict[tuple[str, str], tuple[float, float, str]] = {
    ("The answer is dog.", "B"): (RANDOM, 0.0, "nothing parsed (4 words, no letter): lmms guesses"),
    ("xyz", "A"): (RANDOM, 0.0, "nothing parsed: lmms guesses"),
    ("", "A"): (RANDOM, 0.0, "empty response: lmms guesses"),
    ("E", "A"): (RANDOM, 0.0, "no option E: lmms guesses"),
    ("It is the DNA helix that shows a bird", "C"): (0.0, 1.0, 'lmms reads "DNA " as option A'),
    ("DNA polymerase", "A"): (1.0, 0.0, 'lmms reads "DNA " as option A; nothing parsed for us'),
    ("<think>A is tempting</think>B", "B"): (0.0, 1.0, "lmms reads the letter inside <think>"),
    ("<answer>C</answer>", "C"): (RANDOM, 1.0, "answer tags: lmms finds no letter and guesses"),
    ("A. cat or B. dog", "B"): (0.0, 1.0, 'several " X." candidates: lmms takes the first, ours the last'),
    ("3.43", "['24/7', '3.43']"): (0.0, 1.0, "a list-literal gold is several answers for us"),
    ("The result is 24/7", "['24/7', '3.43']"): (0.0, 1.0, "a list-literal gold is several answers for us"),
    ("<think>The answer is 5</think>\nMaybe 4.", "5"): (1.0, 0.0, "lmms reads the 5 inside <think>"),
}


# --------------------------------------------------------------------------------------- OCRBench
# (response, gold answers, dataset)
OCRBENCH_CASES: list[tuple[str, list[str] | str, str]] = [
    ("CENTRAL", ["central"], "IIIT5K"),
    ("HELLO", ["hello"], "IIIT5K"),
    ("The word is Hello.", ["hello"], "IIIT5K"),
    ("helo", ["hello"], "IIIT5K"),
    ('The text in the image is "Starbucks".', ["starbucks"], "SVT"),
    ("starbuck", ["starbucks"], "SVT"),
    ("3 8 4 5", ["3845"], "NonSemanticText"),
    ("The total amount is $12.50", ["12.50"], "FUNSD"),
    ("2019-05-03", ["03/05/2019"], "SROIE"),
    ("The date is March 5, 1998.", ["March 5, 1998", "3/5/98"], "docVQA"),
    ("Line one\nLine two", ["line one line two"], "IC15_1811"),
    ("hello", ["hello\n"], "IIIT5K"),
    ("  Hello  ", ["hello"], "IIIT5K"),
    ("new\nyork", ["new york"], "IC13_857"),
    ("abc", ["xyz", "ABC"], "IIIT5K"),
    ("abc", "ABC", "IIIT5K"),
    ("zxqv", ["ZXQV"], "NonSemanticText"),
    ("COCA-COLA", ["coca cola"], "WordArt"),
    ("café", ["cafe"], "IIIT5K"),
    ("", ["a"], "IIIT5K"),
    ("ＨＥＬＬＯ", ["hello"], "IIIT5K"),
    ("ｈｅｌｌｏ　ｗｏｒｌｄ", ["hello world"], "IIIT5K"),
    ('The image shows a shop sign. The sign reads "OPEN".', ["open"], "textVQA"),
    ("<answer>OPEN</answer>", ["open"], "textVQA"),
    ("\\boxed{2023}", ["2023"], "ESTVQA"),
    ("x^2+y^2", ["x ^ 2 + y ^ 2"], "HME100k"),
    ("X^2+y^2", ["x ^ 2 + y ^ 2"], "HME100k"),
    ("x ^ {2}", ["x^2"], "HME100k"),
    ("\\frac{a}{b}", ["\\frac { a } { b }"], "HME100k"),
    ("$x^{2}+1$", ["x ^ { 2 } + 1"], "HME100k"),
    ("x^{2}\n+1", ["x ^ { 2 } + 1"], "HME100k"),
    ("\\Alpha", ["\\alpha"], "HME100k"),
    ("ＸＹ", ["XY"], "HME100k"),
    ("<answer>x^2</answer>", ["x ^ 2"], "HME100k"),
    # deliberate differences (OCRBENCH_DIFFERENCES)
    ("<think>it might say STOP</think>GO", ["stop"], "IIIT5K"),
    ("It could read STOP or GO. <answer>GO</answer>", ["stop"], "IIIT5K"),
    ("anything", [""], "IIIT5K"),
]

# response -> (lmms-eval score, our score or None for unscored, why)
OCRBENCH_DIFFERENCES: dict[str, tuple[float, float | None, str]] = {
    "<think>it might say STOP</think>GO": (1.0, 0.0, "the gold appears only inside <think>"),
    "It could read STOP or GO. <answer>GO</answer>": (
        1.0,
        0.0,
        "the gold appears only outside the answer tags",
    ),
    "ＨＥＬＬＯ": (1.0, 0.0, "lmms-eval folds full-width ASCII; the official script does not, nor do we"),
    "ｈｅｌｌｏ　ｗｏｒｌｄ": (1.0, 0.0, "no full-width folding, as officially"),
}


# ------------------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def lmms() -> Iterator[dict[str, ModuleType]]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("API_TYPE", "dummy")
        names = {
            "mmstar": "lmms_eval.tasks.mmstar.utils",
            "mmmu": "lmms_eval.tasks.mmmu.utils",
            "ocrbench": "lmms_eval.tasks.ocrbench.utils",
            "mathvista": "lmms_eval.tasks.mathvista.utils",
        }
        yield {key: importlib.import_module(name) for key, name in names.items()}


def _mmstar_lmms(mod: ModuleType, response: str, gold: str) -> float:
    doc = {"answer": gold, "category": "math", "l2_category": "geometry", "index": 0}
    return float(mod.mmstar_process_results(doc, [response])["math"]["score"])


def _mmmu_lmms(
    mod: ModuleType, response: str, qtype: str, options: list[str], gold: str
) -> tuple[float, Any]:
    doc = {"id": "validation_Art_1", "question_type": qtype, "options": repr(options), "answer": gold}
    sample = mod.mmmu_process_results(doc, [response])["mmmu_acc"]
    _, acc = mod.evaluate_mmmu([sample])
    return float(acc["acc"]), sample["parsed_pred"][0]


def _ocrbench_lmms(mod: ModuleType, response: str, answers: list[str] | str, dataset: str) -> float:
    doc = {"answer": answers, "dataset": dataset, "question_type": "Regular Text Recognition"}
    return float(mod.ocrbench_process_results(doc, [response])["ocrbench_accuracy"]["score"])


# ---------------------------------------------------------------------------------------- tests
def test_case_counts() -> None:
    assert len(MMSTAR_CASES) >= 30 and len(MMMU_CASES) >= 30 and len(OCRBENCH_CASES) >= 30
    assert set(MMSTAR_DIFFERENCES) <= {r for r, _ in MMSTAR_CASES}
    assert set(MMMU_DIFFERENCES) <= {(r, g) for r, _, _, g in MMMU_CASES}
    assert set(OCRBENCH_DIFFERENCES) <= {r for r, _, _ in OCRBENCH_CASES}


def test_mmstar_parity(lmms: dict[str, ModuleType]) -> None:
    for response, gold in MMSTAR_CASES:
        theirs = _mmstar_lmms(lmms["mmstar"], response, gold)
        ours = score_mmstar(response, gold, rule="strict").score
        if response in MMSTAR_DIFFERENCES:
            want_theirs, want_ours, why = MMSTAR_DIFFERENCES[response]
            assert (theirs, ours) == (want_theirs, want_ours), f"{response!r}: {why}"
        else:
            assert ours == theirs, f"MMStar {response!r} gold {gold}: lmms {theirs}, ours {ours}"


def test_mmmu_parity(lmms: dict[str, ModuleType]) -> None:
    random.seed(0)
    for response, qtype, options, gold in MMMU_CASES:
        theirs, pred = _mmmu_lmms(lmms["mmmu"], response, qtype, options, gold)
        ours = score_mmmu(response, qtype, options, gold).score
        if (response, gold) in MMMU_DIFFERENCES:
            want_theirs, want_ours, why = MMMU_DIFFERENCES[(response, gold)]
            if want_theirs == RANDOM:  # lmms guessed one of the letters; we never guess
                assert pred in [chr(ord("A") + i) for i in range(len(options))], why
            else:
                assert theirs == want_theirs, f"{response!r}: {why}"
            assert ours == want_ours, f"{response!r}: {why}"
        else:
            assert ours == theirs, f"MMMU {response!r} gold {gold}: lmms {theirs} ({pred!r}), ours {ours}"


def test_mmmu_guess_is_random_in_lmms(lmms: dict[str, ModuleType]) -> None:
    # the documented reason for counting unparseable responses wrong
    picks = {_mmmu_lmms(lmms["mmmu"], "xyz", "multiple-choice", OPTS, "A")[1] for _ in range(50)}
    assert len(picks) > 1


def test_mmmu_leading_space_quirk(lmms: dict[str, ModuleType]) -> None:
    # lmms-eval reads the "R" of "PCR." as option R when options run that far; we do not
    options = [f"o{i}" for i in range(18)]
    _, pred = _mmmu_lmms(lmms["mmmu"], "Clearly the PCR. method is shown", "multiple-choice", options, "B")
    assert pred == "R"
    assert score_mmmu("Clearly the PCR. method is shown", "multiple-choice", options, "R").score == 0.0


def test_ocrbench_parity(lmms: dict[str, ModuleType]) -> None:
    for response, answers, dataset in OCRBENCH_CASES:
        theirs = _ocrbench_lmms(lmms["ocrbench"], response, answers, dataset)
        ours = score_ocrbench(response, answers, dataset).score
        if response in OCRBENCH_DIFFERENCES:
            want_theirs, want_ours, why = OCRBENCH_DIFFERENCES[response]
            assert (theirs, ours) == (want_theirs, want_ours), f"{response!r}: {why}"
        else:
            assert ours == theirs, f"OCRBench {response!r} gold {answers!r}: lmms {theirs}, ours {ours}"


MATHVISTA_PROBLEMS: list[dict[str, Any]] = [
    {
        "question": "What fraction is blue?",
        "unit": "",
        "choices": ["3/11", "8/11"],
        "question_type": "multi_choice",
        "answer_type": "text",
        "precision": None,
    },
    {
        "question": "How many cubes?",
        "unit": "",
        "choices": None,
        "question_type": "free_form",
        "answer_type": "integer",
        "precision": None,
    },
    {
        "question": "How long is AB?",
        "unit": "cm",
        "choices": None,
        "question_type": "free_form",
        "answer_type": "float",
        "precision": 1.0,
    },
    {
        "question": "What is the slope?",
        "unit": None,
        "choices": None,
        "question_type": "free_form",
        "answer_type": "float",
        "precision": 2.0,
    },
    {
        "question": "Peak years?",
        "unit": "",
        "choices": None,
        "question_type": "free_form",
        "answer_type": "list",
        "precision": None,
    },
]


@pytest.mark.parametrize("shot_type", ["format-prompt", "step-by-step", "solution"])
def test_mathvista_query_parity(lmms: dict[str, ModuleType], shot_type: str) -> None:
    evaluator = lmms["mathvista"].mathvista_evaluator
    for p in MATHVISTA_PROBLEMS:
        theirs = evaluator.create_one_query({**p, "caption": "", "ocr": ""}, shot_type=shot_type, shot_num=0)
        ours = mathvista_query(
            p["question"],
            p["unit"],
            p["choices"],
            p["question_type"],
            p["answer_type"],
            p["precision"],
            shot_type,
        )
        assert ours == theirs


def test_mathvista_normalize_parity(lmms: dict[str, ModuleType]) -> None:
    evaluator = lmms["mathvista"].mathvista_evaluator
    choices = ["3/11", "8/11", "6/11", "3/5"]
    cases = [
        ("B", choices, "multi_choice", "text", None),
        ("(C) 6/11", choices, "multi_choice", "text", None),
        ("8/12", choices, "multi_choice", "text", None),
        ("3.7", None, "free_form", "integer", None),
        ("abc", None, "free_form", "integer", None),
        ("1.456", None, "free_form", "float", 2),
        ("1.46", None, "free_form", "float", 1),
        ("[1, 2]", None, "free_form", "list", None),
    ]
    for extraction, ch, qtype, atype, precision in cases:
        theirs = evaluator.normalize_extracted_answer(extraction, ch, qtype, atype, precision)
        assert normalize(extraction, ch, qtype, atype, precision) == theirs
    # deliberate: float64 precision (the dataset's dtype) breaks lmms-eval's round(); we use int()
    assert evaluator.normalize_extracted_answer("1.456", None, "free_form", "float", np.float64(2.0)) is None
    assert normalize("1.456", None, "free_form", "float", np.float64(2.0)) == "1.46"
    # deliberate: an empty extraction (lmms-eval's failed judge) becomes the shortest choice there
    assert evaluator.normalize_extracted_answer("", choices, "multi_choice", "text", None) == "3/5"
    assert normalize("", choices, "multi_choice", "text", None) is None
