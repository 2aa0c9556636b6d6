"""MMMU (validation): the official MMMU-Benchmark response parsing and evaluation rules.

Multiple choice (official `parse_multi_choice_response`): strip , . ! ? ; : ' from the ends and pad
with spaces; candidates are the letters written "(X)", else " X " (the letter as a word), else
" X." (lmms-eval's extra format, here with the official leading space); only when none is found and
the response has more than 5 words, the options whose text appears in it. Several candidates: the
one mentioned last. Correct iff the letter equals the gold letter.

Open questions (official `parse_open_response` / `extract_numbers` / `normalize_str` / `eval_open`):
the tails after key phrases ("so ", "is ", "therefore ", ...; "=" in the last sentence) of each
sentence, plus every number in them, normalised (numbers to floats rounded to 2 decimals, text
lower-cased, one character padded with a space); correct iff a float candidate equals a normalised
gold number, or a normalised gold string is a substring of a text candidate.

Official code: MMMU-Benchmark/MMMU, mmmu/utils/eval_utils.py (formerly eval/eval_utils.py).
tests/scoring/golden/mmmu.jsonl records the official score of each response beside ours.

Deliberate differences from lmms-eval 0.7.3:
- Nothing parsed → score 0 with parsed None. Official MMMU and lmms-eval pick a random letter.
- The bare-letter forms need whitespace *before* the letter, as officially (where it must be a
  space; a line break counts here too); lmms-eval checks "X " and "X." without it, so the capital
  ending a word is read as the answer: "DNA " reads as option A, "PCR." as option R (given 18
  options).
- Several " X." candidates: the one written last (lmms-eval looks them up as " X ", finds none and
  takes the first option listed).
- The answer part is taken first with `extract_answer` (outside <think> blocks, nothing when one
  is left unclosed; last <answer> block, else last \\boxed{}, else the response without <think>
  blocks).
- A gold answer written as a Python list literal ("['24/7', '3.43']") is a list of acceptable
  answers, as in the official answer file; lmms-eval compares against the literal string.
- Options with empty text never match by content (they would match every response).
"""

from __future__ import annotations

import ast
import re

from harness.scoring.extract import extract_answer, missing_answer_note
from harness.scoring.verdict import Verdict

Candidate = str | float

_KEY_INDICATORS = ("could be ", "so ", "is ", "thus ", "therefore ", "final ", "answer ", "result ")
_TRIVIAL = {":", ",", ".", "!", "?", ";", "'"}
_NUM_COMMAS = re.compile(r"-?\b\d{1,3}(?:,\d{3})+\b")
_NUM_SCIENTIFIC = re.compile(r"-?\d+(?:\.\d+)?[eE][+-]?\d+")
_NUM_SIMPLE = re.compile(r"-?(?:\d+\.\d+|\.\d+|\d+\b)(?![eE][+-]?\d+)(?![,\d])")


def mmmu_options(raw: str) -> list[str]:
    """The dataset's `options` field (a Python-literal list of strings) as a list."""
    try:
        value = ast.literal_eval(raw)
    except (ValueError, SyntaxError) as e:
        raise ValueError(f"MMMU options are not a Python list literal: {raw!r} ({e})") from None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"MMMU options are not a list of strings: {raw!r}")
    return value


def parse_choice(response: str, options: list[str]) -> str | None:
    """The option letter the response names (official rule, see module docstring), or None."""
    letters = [chr(ord("A") + i) for i in range(len(options))]
    text = response
    for char in ",.!?;:'":
        text = text.strip(char)
    text = f" {text} "
    forms = (r"\({x}\)", r"(?<=\s){x}(?=\s)", r"(?<=\s){x}\.")  # "(X)", then " X ", then " X."
    for form in forms:
        last = {x: [m.start() for m in re.finditer(form.format(x=x), text)] for x in letters}
        found = [(pos[-1], x) for x, pos in last.items() if pos]
        if found:
            return max(found, key=lambda c: c[0])[1]  # the one written last
    if len(text.split()) <= 5:
        return None
    lower = text.lower()
    by_content = [(lower.rfind(o.lower()), x) for x, o in zip(letters, options, strict=True) if o.strip()]
    by_content = [(pos, x) for pos, x in by_content if pos >= 0]
    if not by_content:
        return None
    return max(by_content, key=lambda c: c[0])[1]  # the first of equal positions, like np.argmax


def extract_numbers(text: str) -> list[str]:
    """Every number in the text: with thousands commas, in scientific notation, or plain."""
    return _NUM_COMMAS.findall(text) + _NUM_SCIENTIFIC.findall(text) + _NUM_SIMPLE.findall(text)


def normalize_str(text: str) -> list[Candidate]:
    """A number becomes a float rounded to 2 decimals; text is lower-cased (one character padded)."""
    text = text.strip()
    try:
        return [round(float(text.replace(",", "")), 2)]
    except ValueError:
        pass
    text = text.lower()
    return [" " + text, text + " "] if len(text) == 1 else [text]


def _key_responses(response: str) -> list[str]:
    text = response.strip().strip(".").lower()
    sentences = re.split(r"\.\s(?=[A-Z])|\n", text)
    keys: list[str] = []
    for i, sentence in enumerate(sentences):
        indicators = [*_KEY_INDICATORS, "="] if i == len(sentences) - 1 else list(_KEY_INDICATORS)
        shortest = ""
        for ind in indicators:
            if ind in sentence:
                tail = sentence.split(ind)[-1].strip()
                if not shortest or len(tail) < len(shortest):  # an empty tail is replaced, as upstream
                    shortest = tail
        if shortest and shortest not in _TRIVIAL:
            keys.append(shortest)
    return keys or [text]


def parse_open(response: str) -> list[Candidate]:
    """Normalised answer candidates of an open response, without duplicates, in order found."""
    keys = _key_responses(response)
    raw = keys + [n for key in keys for n in extract_numbers(key)]
    out: list[Candidate] = []
    for item in raw:
        for cand in normalize_str(item):
            if cand not in out:
                out.append(cand)
    return out


def gold_answers(answer: str) -> list[str]:
    """The acceptable gold answers: a Python list literal is several, anything else is one."""
    text = answer.strip()
    if text.startswith("[") and text.endswith("]"):
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            value = None
        if isinstance(value, list) and value:
            return [str(v) for v in value]
    return [answer]


def eval_open(golds: list[str], candidates: list[Candidate]) -> bool:
    """Official `eval_open`: a float candidate equal to a gold number, or a gold string inside a
    text candidate."""
    norm = [n for g in golds for n in normalize_str(g)]
    for cand in candidates:
        if isinstance(cand, str):
            if any(isinstance(n, str) and n in cand for n in norm):
                return True
        elif cand in norm:
            return True
    return False


def score_mmmu(response: str, question_type: str, options: list[str], answer: str) -> Verdict:
    """Score one MMMU response; `question_type` is "multiple-choice" or "open"."""
    text = extract_answer(response)
    if question_type == "multiple-choice":
        letter = parse_choice(text, options)
        if letter is None:
            return Verdict(0.0, None, "rule", note=missing_answer_note(response))
        return Verdict(float(letter in gold_answers(answer)), letter, "rule")
    if question_type != "open":
        raise ValueError(f"unknown MMMU question_type {question_type!r}")
    if not text.strip():
        return Verdict(0.0, None, "rule", note=missing_answer_note(response))
    candidates = parse_open(text)
    parsed = " | ".join(str(c).strip() for c in candidates)
    return Verdict(float(eval_open(gold_answers(answer), candidates)), parsed, "rule")
