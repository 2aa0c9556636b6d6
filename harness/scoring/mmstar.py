"""MMStar: score a response as the official MMStar scorer does, reporting where its rule misreads.

Official rule (MMStar-Benchmark/MMStar, eval/vlmeval/evaluate/mmstar.py, `MMStar_eval`): the
prediction is lower-cased, stripped and its line breaks made spaces; the item is correct when the
lower-cased gold letter equals its first character, or the character after a leading "(", "option "
or "the answer is ". That is the default here (`rule="official"`), applied to the answer part, so
scores are comparable with published MMStar numbers. Its quirks are kept and named in the verdict's
note, beside what the answer actually states (`read_letter`, the strict reading): "Answer: C" reads
as A (first character), "Because ..." as B, "dog" as D, "the answer is a cat" as A, while "**B**",
"Option (B)" or a sentence ending in the letter read as nothing.

The one deliberate difference from the official scorer: the answer part is taken first with
`extract_answer` (outside <think> blocks, nothing when one is left unclosed; last <answer> block,
else last \\boxed{}, else the response without <think> blocks). The official scorer sees the raw
response, so a reasoning model's "<think>..." or "\\boxed{B}" never matches there.

`rule="strict"` scores the strict reading instead: lmms-eval 0.7.3's ranked search over answer
formats (`_task_utils/mcq_extract.extract_mcq_answer`: start of the answer 10 > end 9 > answer phrase
7 > "(X)" 6 > "X." 5 > "X:" 4 > "X)" 3 > "X " 2 > any occurrence 0; the later position wins within
a rank), never guessing, with these differences from lmms-eval:
- A lone lower-case letter is read ("b", "b.", "(c)", "**a**"), as officially; lmms-eval reads only
  capitals. A lower-case letter anywhere else is not ("a" is also the article).
- A letter counts only when it stands alone: no ASCII letter or digit directly before it (and, for
  the answer-phrase and any-occurrence rules, none directly after it either). lmms-eval reads "D"
  from "Data", "A" from "DNA " or "U.S.A." and "C" from "Cat".
- After an answer phrase ("the answer is", ...) the *first* standalone letter is taken, for every
  occurrence of the phrase. lmms-eval takes the first occurrence of *each* letter after the first
  occurrence of the phrase and keeps the latest, so "The answer is B rather than C because ..."
  reads as C.
tests/scoring/golden/mmstar.jsonl records the official score of each response beside ours.
"""

from __future__ import annotations

import re
from typing import Literal

from harness.scoring.extract import extract_answer, missing_answer_note
from harness.scoring.verdict import Verdict

LETTERS = ("A", "B", "C", "D")

# Phrases after which the next standalone letter is the answer (as in lmms-eval's list, which also
# covers Korean, Chinese and Japanese answer formats).
ANSWER_PHRASES = (
    "the answer is",
    "answer is",
    "the correct answer is",
    "correct answer is",
    "the best answer is",
    "best answer is",
    "the correct option is",
    "correct option is",
    "the best option is",
    "best option is",
    "the choice is",
    "choice is",
    "the correct choice is",
    "correct choice is",
    "i choose",
    "i select",
    "i pick",
    "my answer is",
    "my choice is",
    "옵션",
    "정답은",
    "답은",
    "답:",
    "答案是",
    "答案为",
    "选",
    "答えは",
)

_PRIORITY = {"start": 10, "end": 9, "phrase": 7, "paren": 6, "period": 5, "colon": 4, "rparen": 3, "space": 2}
_NOT_WORD_BEFORE = r"(?<![A-Za-z0-9])"
_NOT_WORD_AFTER = r"(?![A-Za-z0-9])"
_WRAPPING = " \t\n\r,.!?;:'\"()[]*`$"  # around a lone letter: "b", "(b)", "b.", "**b**"


def _last(pattern: str, text: str) -> int:
    """Start of the last match of `pattern` in `text`, or -1."""
    starts = [m.start() for m in re.finditer(pattern, text)]
    return starts[-1] if starts else -1


def read_letter(answer: str, letters: tuple[str, ...] = LETTERS) -> str | None:
    """The option letter an answer names (see the module docstring), or None."""
    if not answer.strip():
        return None
    lone = answer.strip(_WRAPPING)
    if len(lone) == 1 and lone.upper() in letters:  # the whole answer is one letter, in either case
        return lone.upper()
    text = answer.strip()
    for char in ",.!?;:'\"":  # one character class after another, as lmms-eval does
        text = text.strip(char)
    text = f" {text} "
    lower = text.lower()
    candidates: list[tuple[int, int, str]] = []  # (priority, position, letter)
    for letter in letters:
        forms = {
            "paren": re.escape(f"({letter})"),
            "period": _NOT_WORD_BEFORE + letter + r"\.",
            "colon": _NOT_WORD_BEFORE + letter + ":",
            "rparen": _NOT_WORD_BEFORE + letter + r"\)",
            "space": _NOT_WORD_BEFORE + letter + " ",
        }
        for name, pattern in forms.items():
            pos = _last(pattern, text)
            if pos >= 0:
                candidates.append((_PRIORITY[name], pos, letter))
    alone = re.compile(_NOT_WORD_BEFORE + "([" + "".join(letters) + "])" + _NOT_WORD_AFTER)
    for phrase in ANSWER_PHRASES:
        for found in re.finditer(re.escape(phrase), lower):
            m = alone.search(text, found.end())
            if m:
                candidates.append((_PRIORITY["phrase"], m.start(), m.group(1)))
    stripped = text.strip()
    for letter in letters:
        if stripped.startswith(letter) and (len(stripped) == 1 or not stripped[1].isalpha()):
            candidates.append((_PRIORITY["start"], 0, letter))
        if stripped.endswith(letter) and (len(stripped) == 1 or not stripped[-2].isalpha()):
            candidates.append((_PRIORITY["end"], len(text) - 1, letter))
    if not candidates:
        candidates = [(0, m.start(), m.group(1)) for m in alone.finditer(text)]
    if not candidates:
        return None
    return max(candidates, key=lambda c: (c[0], c[1]))[2]


_OFFICIAL_PREFIXES = ("", "(", "option ", "the answer is ")


def official_reading(answer: str) -> list[str]:
    """The characters the official rule compares with the gold letter, in its order (upper-cased):
    the first one, and the one after each leading prefix it knows."""
    text = answer.lower().strip().replace("\n", " ")
    return [
        text[len(prefix)].upper()
        for prefix in _OFFICIAL_PREFIXES
        if text.startswith(prefix) and len(text) > len(prefix)
    ]


def score_mmstar(response: str, answer: str, rule: Literal["official", "strict"] = "official") -> Verdict:
    """1.0 when the answer part names the gold letter by the official rule (default) or the strict
    reading; a note says where the two readings differ. Nothing read scores 0."""
    part = extract_answer(response)
    if not part:
        return Verdict(0.0, None, "rule", note=missing_answer_note(response))
    gold = answer.strip().upper()
    strict = read_letter(part)
    if rule == "strict":
        return Verdict(0.0 if strict is None else float(strict == gold), strict, "rule",
                       note=None if strict is not None else "nothing parsed")  # fmt: skip
    if rule != "official":
        raise ValueError(f"MMStar rule must be 'official' or 'strict', got {rule!r}")
    compared = official_reading(part)
    letters = [c for c in compared if c in LETTERS]
    correct = gold in compared
    parsed = gold if correct else (letters[0] if letters else None)
    note = None
    if parsed != strict:
        official = f"reads {parsed}" if parsed else "reads no option letter"
        states = f"the answer states {strict}" if strict else "no letter stands in the answer"
        note = f"official MMStar rule (first character or a known prefix) {official}; {states}"
    elif parsed is None:
        note = "nothing parsed"
    return Verdict(float(correct), parsed, "rule", note=note)
