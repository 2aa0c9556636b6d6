"""MathVista (testmini): the official pipeline, with rules wherever they can decide.

Official pipeline (MathVista's evaluation scripts, ported by lmms-eval 0.7.3 in `mathvista_evals.py`):
extract the answer (quick rules: the exact text of a choice, `int()` for integer answers, `float()`
for float answers; otherwise an LLM reads it with a few-shot demo prompt), normalise it
(`normalize_extracted_answer`: option letter → choice text, else the Levenshtein-nearest choice;
integers via `int(float(x))`; floats rounded to `precision` decimals; lists as text), and compare the
strings with the gold answer.

Here the quick rules are extended so that far fewer items need the judge, each extension reading
only answers whose meaning is unambiguous: the answer part is taken first (`extract_answer`:
outside <think> blocks, nothing when one is left unclosed; last <answer> block, else last
\\boxed{}, else the response without <think> blocks); multi-choice reads a
bare letter ("B", "(B)", "B.", "Answer: B", "B. <that choice's text>"); integer and float read one
number, possibly with thousands commas, a leading sign or currency sign and a short unit ("12 cm",
"1,000", "-3", "$1.45"; a fraction "3/4" for floats); list reads a literal list of numbers. Anything
else (two different numbers, several letters, prose) is left to the judge (None).

Deliberate differences from the official scripts (lupantech/MathVista evaluation/extract_answer.py
`extract_answer`, calculate_score.py `normalize_extracted_answer` and `safe_equal`), which apply the
quick rules (`response == ""`, `response in choices`, `int(response)`, `float(response)`) to the raw
response and send everything else to the GPT extractor:
- The rules read the answer part (above), and read more forms (letters, units, commas, lists), where
  the official pipeline needs its GPT extractor. A response that is not empty but has no answer part
  (an unclosed <think>, an empty <answer></answer>) scores 0 without asking the judge.
- No judge, or a judge that fails → the item is unscored (score None). The official extractor's
  failure returns "", which normalises to the *shortest* choice (nearest to "" by edit distance).
- An empty response (nothing but whitespace) is scored as the official scorer scores it: for
  multi-choice, `normalize_extracted_answer("")` picks the Levenshtein-nearest choice to "" (the first
  shortest one), and the verdict's note says so; free-form, it scores 0.
- `precision` arrives as float64 in the dataset; it is used as `int(precision)`. (lmms-eval 0.7.3
  calls `round(x, 2.0)`, which raises, so every float item scores 0 there.)
- Multi-choice letters are read by rule (lmms-eval 0.7.3 sends even "B" to the judge).
- The judge sees the response without <think> blocks when anything is left outside them
  (`judge_view`); otherwise the response verbatim, as officially.
- A number in scientific notation ("1e3") is not read by the integer rule (officially: the judge).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from typing import Any

import Levenshtein

from harness.scoring.extract import extract_answer, judge_view
from harness.scoring.verdict import JudgeError, JudgeLike, Verdict

# MathVista's official answer-extraction demo prompt (verbatim, benchmark data).
DEMO_PROMPT = """
Please read the following example. Then extract the answer from the model response and type it at the end of the prompt.

Hint: Please answer the question requiring an integer answer and provide the final value, e.g., 1, 2, 3, at the end.
Question: Which number is missing?

Model response: The number missing in the sequence is 14.

Extracted answer: 14

Hint: Please answer the question requiring a floating-point number with one decimal place and provide the final value, e.g., 1.2, 1.3, 1.4, at the end.
Question: What is the fraction of females facing the camera?

Model response: The fraction of females facing the camera is 0.6, which means that six out of ten females in the group are facing the camera.

Extracted answer: 0.6

Hint: Please answer the question requiring a floating-point number with two decimal places and provide the final value, e.g., 1.23, 1.34, 1.45, at the end.
Question: How much money does Luca need to buy a sour apple candy and a butterscotch candy? (Unit: $)

Model response: Luca needs $1.45 to buy a sour apple candy and a butterscotch candy.

Extracted answer: 1.45

Hint: Please answer the question requiring a Python list as an answer and provide the final list, e.g., [1, 2, 3], [1.2, 1.3, 1.4], at the end.
Question: Between which two years does the line  graph saw its maximum peak?

Model response: The line graph saw its maximum peak between 2007 and 2008.

Extracted answer: [2007, 2008]

Hint: Please answer the question and provide the correct option letter, e.g., A, B, C, D, at the end.
Question: What fraction of the shape is blue?\nChoices:\n(A) 3/11\n(B) 8/11\n(C) 6/11\n(D) 3/5

Model response: The correct answer is (B) 8/11.

Extracted answer: B
"""

_HINTS = {  # "<family>:<kind>"; the "hint" family serves step-by-step and solution
    "hint:choice": "Hint: Please answer the question and provide the correct option letter, e.g., A, B, C, D, at the end.",
    "hint:integer": "Hint: Please answer the question requiring an integer answer and provide the final value, e.g., 1, 2, 3, at the end.",
    "hint:float1": "Hint: Please answer the question requiring a floating-point number with one decimal place and provide the final value, e.g., 1.2, 1.3, 1.4, at the end.",
    "hint:float2": "Hint: Please answer the question requiring a floating-point number with two decimal places and provide the final value, e.g., 1.23, 1.34, 1.45, at the end.",
    "hint:list": "Hint: Please answer the question requiring a Python list as an answer and provide the final list, e.g., [1, 2, 3], [1.2, 1.3, 1.4], at the end.",
    "format:choice": "Answer with the option's letter from the given choices directly.",
    "format:integer": "Answer the question using a single integer number.",
    "format:float1": "Answer the question using a single floating-point number with one decimal place.",
    "format:float2": "Answer the question using a single floating-point number with two decimal places.",
    "format:list": "Answer the question using a Python list.",
}
_PREFIX = re.compile(
    r"^(?:(?:so\s*,?\s*)?(?:the\s+)?(?:final\s+|correct\s+)?(?:answer|option|choice)(?:\s+is)?\s*[:：]?\s*)",
    re.I,
)
_NUMBER = re.compile(r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[-+]?\.\d+")
_UNIT = re.compile(r"^[^\W\d_]{1,12}(?:[\s/^.]*[^\W\d_]{0,12}){0,3}[.]?$|^[%°$€£.]*$")


def _as_list(choices: Sequence[str] | None) -> list[str]:
    """Choices as a list (they may arrive as None, a list, or an array read back from parquet)."""
    return [] if choices is None else [str(c) for c in choices]


def mathvista_query(
    question: str,
    unit: str | None,
    choices: Sequence[str] | None,
    question_type: str,
    answer_type: str,
    precision: float | None,
    shot_type: str = "format-prompt",
) -> str:
    """The zero-shot prompt of `create_one_query` (no caption, no OCR) for shot_type
    "step-by-step", "solution" or "format-prompt"."""
    if shot_type not in ("step-by-step", "solution", "format-prompt"):
        raise ValueError(f"unsupported MathVista shot_type {shot_type!r}")
    family = "format" if shot_type == "format-prompt" else "hint"
    if question_type == "multi_choice":
        kind = "choice"
    elif answer_type == "float":
        kind = f"float{int(precision) if precision is not None else ''}"
    else:
        kind = answer_type
    hint = _HINTS.get(f"{family}:{kind}")
    if hint is None:
        raise ValueError(
            f"MathVista has no hint for {question_type}/{answer_type} with precision {precision}"
        )
    question_text = question if family == "format" else f"Question: {question}"
    if unit:
        question_text += f" (Unit: {unit})"
    choices = _as_list(choices)
    if not choices:
        choices_text = ""
    elif family == "format":
        choices_text = "\n".join(f"{chr(ord('A') + i)}. {c}" for i, c in enumerate(choices))
    else:
        choices_text = "\n".join(["Choices:", *(f"({chr(ord('A') + i)}) {c}" for i, c in enumerate(choices))])
    tail = "Solution: " if shot_type == "solution" else ""
    parts = [question_text, choices_text, hint, tail]
    return "\n".join(p for p in parts if p).strip()


def _one_number(text: str, allow_fraction: bool) -> str | None:
    """The number `text` consists of (with an optional short unit), commas removed, or None."""
    text = text.strip().replace("−", "-").rstrip(".")
    text = re.sub(r"^[$€£]\s*", "", text)
    text = re.sub(r"^([-+])\s*[$€£]\s*", r"\1", text)
    frac = re.fullmatch(r"([-+]?\d+)\s*/\s*(\d+)", text)
    if frac:
        den = int(frac.group(2))
        return str(int(frac.group(1)) / den) if allow_fraction and den else None
    m = _NUMBER.match(text)
    if not m or re.match(r"[eE][-+]?\d", text[m.end() :]):  # "1e3" is not 1 with unit "e3"
        return None
    rest = re.sub(r"\^?[23²³]$", "", text[m.end() :].strip())  # cm^2, m³
    if rest and not _UNIT.match(rest):
        return None
    return m.group(0).replace(",", "")


def rule_extract(
    response: str, choices: Sequence[str] | None, question_type: str, answer_type: str
) -> str | None:
    """The answer as the official extraction would give it, when rules can tell; None otherwise."""
    answer = extract_answer(response)
    if not answer:
        return ""
    if question_type == "multi_choice":
        options = _as_list(choices)
        for text in (answer, answer.rstrip(".").strip()):
            if text in options:
                return text
        body = _PREFIX.sub("", answer).strip()
        m = re.fullmatch(r"\(?([A-Z])\)?[.:)]?(?:\s+(.*))?", body, re.S)
        if m and ord(m.group(1)) - ord("A") < len(options):
            rest = (m.group(2) or "").strip().rstrip(".")
            if not rest or rest == options[ord(m.group(1)) - ord("A")].strip():
                return m.group(1)
        return None
    if answer_type == "integer":
        try:
            return str(int(answer))
        except ValueError:
            return _one_number(_PREFIX.sub("", answer), allow_fraction=False)
    if answer_type == "float":
        try:
            return str(float(answer))
        except ValueError:
            return _one_number(_PREFIX.sub("", answer), allow_fraction=True)
    if answer_type == "list":
        try:
            value = ast.literal_eval(_PREFIX.sub("", answer).strip().rstrip("."))
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            return None
        ok = isinstance(value, list) and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in value
        )
        return str(value) if ok else None
    return None


def normalize(
    extraction: str,
    choices: Sequence[str] | None,
    question_type: str,
    answer_type: str,
    precision: float | None,
) -> str | None:
    """Official `normalize_extracted_answer`, with `int(precision)`; None when nothing usable."""
    text = extraction.strip()
    if question_type == "multi_choice":
        options = _as_list(choices)
        if not text or not options:
            return None  # never the shortest choice
        letter = re.findall(r"\(([a-zA-Z])\)", text)
        if letter:
            text = letter[0].upper()
        letters = [chr(ord("A") + i) for i in range(len(options))]
        if text in letters:
            return options[letters.index(text)]
        distances = [Levenshtein.distance(text, c) for c in options]
        return options[distances.index(min(distances))]
    try:
        if answer_type == "integer":
            return str(int(float(text)))
        if answer_type == "float":
            return str(round(float(text), int(precision if precision is not None else 0)))
    except (ValueError, OverflowError, TypeError):
        return None
    return text if answer_type == "list" else extraction


def judge_messages(query: str, response: str) -> list[dict[str, str]]:
    """The official extraction request: demo prompt, the item's query, the response."""
    content = f"{DEMO_PROMPT.strip()}\n\n{query}\n\n{response}\n\nExtracted answer: "
    return [{"role": "user", "content": content}]


def _compare(extraction: str, fields: dict[str, Any], method: str) -> Verdict:
    args = (fields["choices"], fields["question_type"], fields["answer_type"], fields["precision"])
    prediction = normalize(extraction, *args)
    if prediction is None:
        note = "nothing parsed" if not extraction.strip() else f"cannot normalise {extraction!r}"
        return Verdict(0.0, None, method, note=note)
    return Verdict(float(prediction.strip() == str(fields["answer"]).strip()), prediction, method)


def score_mathvista(response: str, fields: dict[str, Any], judge: JudgeLike | None) -> Verdict:
    """Rules first; the judge (if any) extracts what rules cannot read. `fields`: question, unit,
    choices, question_type, answer_type, precision, answer, query."""
    args = (fields["choices"], fields["question_type"], fields["answer_type"])
    options = _as_list(fields["choices"])
    if not response.strip() and fields["question_type"] == "multi_choice" and options:
        distances = [Levenshtein.distance("", c) for c in options]  # official get_most_similar
        nearest = options[distances.index(min(distances))]
        note = "empty response: the official normalize_extracted_answer maps it to the nearest choice (the shortest)"
        return Verdict(float(nearest.strip() == str(fields["answer"]).strip()), nearest, "rule", note=note)
    extraction = rule_extract(response, *args)
    if extraction is not None:
        return _compare(extraction, fields, "rule")
    if judge is None:
        note = "needs the judge: rules could not read an answer and no judge is configured"
        return Verdict(None, None, "none", note=note)
    try:
        extraction = judge.ask(
            judge_messages(fields["query"], judge_view(response)), parse=lambda s: s.strip()
        )
    except JudgeError as e:
        return Verdict(None, None, "none", note=f"judge failed: {e}")
    return _compare(extraction, fields, "judge")
