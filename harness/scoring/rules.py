"""Rule-based scorers by answer format. Each returns (score in [0, 1], parsed answer or None).

A parsed answer of None means nothing could be read from the response: the item scores 0 and the
record says so. Nothing is ever guessed at random on the model's behalf.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from harness.scoring.extract import extract_answer, normalize_text

Score = tuple[float, str | None]
_LETTER_RE = re.compile(r"^\(?([A-Z])\)?(?:[.:)]|\s|$)")
_NUMBER_RE = re.compile(r"-?\d+(?:,\d{3})*(?:\.\d+)?")


def parse_letter(answer: str, choices: Sequence[str]) -> str | None:
    """The option letter an answer names: "B", "(B)", "B. blue", or exactly the option's text."""
    letters = [chr(ord("A") + i) for i in range(len(choices))]
    m = _LETTER_RE.match(answer.strip())
    if m and m.group(1) in letters:
        return m.group(1)
    norm = normalize_text(answer)
    matches = [letter for letter, text in zip(letters, choices, strict=True) if normalize_text(text) == norm]
    return matches[0] if len(matches) == 1 else None


def score_choice(response: str, choices: Sequence[str], target: str) -> Score:
    parsed = parse_letter(extract_answer(response), choices)
    return float(parsed == target), parsed


def parse_number(answer: str) -> float | None:
    found = _NUMBER_RE.findall(answer)
    return float(found[0].replace(",", "")) if len(found) == 1 else None


def score_number(response: str, target: str, precision: int | None = None) -> Score:
    """Numeric equality; with `precision`, both sides rounded to that many decimals first."""
    parsed = parse_number(extract_answer(response))
    if parsed is None:
        return 0.0, None
    want = float(target)
    if precision is not None:
        parsed, want = round(parsed, precision), round(want, precision)
    shown = str(int(parsed)) if float(parsed).is_integer() else str(parsed)
    return float(abs(parsed - want) < 1e-9), shown


def score_contains(response: str, target: str) -> Score:
    """OCR-style: the normalised target appears in the normalised answer (spaces ignored)."""
    answer = extract_answer(response)
    got = normalize_text(answer).replace(" ", "")
    want = normalize_text(target).replace(" ", "")
    return float(bool(want) and want in got), answer


def score_yesno(response: str, target: str) -> Score:
    words = normalize_text(extract_answer(response)).split()
    parsed = words[0].strip(",.") if words and words[0].strip(",.") in {"yes", "no"} else None
    return float(parsed == normalize_text(target)), parsed


def score_keywords(response: str, keywords: Sequence[str]) -> Score:
    """Share of the reference keywords named in the answer (whole words): an approximate open score."""
    answer = extract_answer(response)
    words = set(re.findall(r"[a-z0-9]+", answer.lower()))
    if not keywords:
        return 0.0, answer
    hits = sum(all(w in words for w in re.findall(r"[a-z0-9]+", k.lower())) for k in keywords)
    return hits / len(keywords), answer
