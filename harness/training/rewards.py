"""GRPO rewards: a strict accuracy reward and a format reward, in TRL's and verl's function forms.

Why strict: GRPO optimises whatever the reward pays for. A reward that pays when the right word
appears somewhere is learnt as "name every option" (docs/architecture.md §7). So the accuracy reward scores only
the content of exactly one `<answer>...</answer>` block lying outside any `<think>` block (none or
several blocks score 0; text outside the block never counts), and that content must state one
answer. Rules by `answer_type` (content = the stripped text inside the block; empty scores 0):

- letter: a bare option letter ("B", "(B)", "B.", "B)"), a letter followed by that option's own text
  ("B. blue"), or exactly one option's text. Several letters or options ("A, B", "A or B") score 0.
- number: the content must be one number or a small math expression (digits, `+ - * / ^ % ( )`,
  LaTeX `\\frac`/`\\sqrt`/`\\pi`..., optionally inside `$...$`, `\\boxed{}` or after `x =`); words,
  lists and space-separated numbers score 0 ("not 12 but 13"). Then math_verify equivalence
  ("1,000" = "1000", "0.5" = "1/2" = "\\frac{1}{2}"), or equal floats when math_verify is missing
  or cannot parse either side.
- yesno: the first word is "yes" or "no" and equals the gold, and the other word appears nowhere
  ("yes and no" scores 0).
- ocr, text: equal after normalisation (lower case, whitespace collapsed, surrounding punctuation
  stripped). Never substring containment.
- open: equal to the gold after normalisation, or, when a `keywords` column is given, every
  keyword's words appear in the content as whole words (the evaluator's open-answer rule, made
  all-or-nothing).
- anything else (None, unknown): the number rule when the gold reads as a number, else the text rule.

A response cut off inside an unclosed `<think>` has no final answer and scores 0, whatever answer
block it holds: reasoning is read by the one think-aware extractor every scorer uses
(`harness.scoring.extract.final_part`).

This module needs only the stdlib, that extractor (itself stdlib-only) and optionally `math_verify`:
`harness.training.verl_export` ships this file with the extractor written in place of its import as
verl's custom reward function, to machines without the harness installed, so verl scores exactly as
TRL training does.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable, Sequence
from typing import Any

# verl_export writes the extractor module in place of this import line.
from harness.scoring.extract import final_part, normalize_text

_FLAGS = re.DOTALL | re.IGNORECASE
_ANSWER_RE = re.compile(r"<answer>(.*?)</answer>", _FLAGS)
_TAG_RE = re.compile(r"</?(?:answer|think)>", re.IGNORECASE)
_FORMAT_RE = re.compile(r"\s*<think>.*?</think>\s*<answer>(.*?)</answer>\s*", _FLAGS)
_LETTER_ONLY_RE = re.compile(r"\(?([A-Z])\)?[.:)]?")
_LETTER_TEXT_RE = re.compile(r"\(?([A-Z])\)?[.:)]?\s+(.+)", re.DOTALL)
_DELIMITERS = (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]"))
_MATH_COMMANDS = {"frac", "dfrac", "tfrac", "sqrt", "pi", "cdot", "times", "div", "left", "right", "%"}
_MATH_TIMEOUT_S = 5


def completion_text(completion: Any) -> str:
    """The text of a completion: a string, or TRL's conversational form (the last message's
    content, itself a string or a list of {"type": "text", "text": ...} parts)."""
    if isinstance(completion, str):
        return completion
    message = completion[-1] if isinstance(completion, (list, tuple)) and completion else completion
    content = message.get("content", "") if isinstance(message, dict) else ""
    if isinstance(content, str):
        return content
    return "".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")


def answer_content(text: str) -> str | None:
    """The stripped content of the one answer block outside `<think>`; None when there is no such
    block, several answer tags (inside reasoning too), an unclosed `<think>`, or empty content."""
    final = final_part(text)
    if final is None:
        return None
    if len(re.findall(r"<answer>", text, re.IGNORECASE)) != 1:
        return None
    if len(re.findall(r"</answer>", text, re.IGNORECASE)) != 1:
        return None
    match = _ANSWER_RE.search(final)
    content = match.group(1).strip() if match else ""
    return content or None


def _letters(choices: Sequence[str]) -> list[str]:
    return [chr(ord("A") + i) for i in range(len(choices) if choices else 26)]


def named_option(content: str, choices: Sequence[str]) -> str | None:
    """The one option letter the content names (see module docstring), else None."""
    letters = _letters(choices)
    bare = _LETTER_ONLY_RE.fullmatch(content.strip())
    if bare:
        return bare.group(1) if bare.group(1) in letters else None
    by_text = [
        letter
        for letter, text in zip(letters[: len(choices)], choices, strict=True)
        if normalize_text(text) == normalize_text(content)
    ]
    if len(by_text) == 1:
        return by_text[0]
    with_text = _LETTER_TEXT_RE.fullmatch(content.strip())
    if with_text and choices and with_text.group(1) in letters:
        letter, rest = with_text.group(1), with_text.group(2)
        if normalize_text(rest) == normalize_text(choices[letters.index(letter)]):
            return letter
    return None


def numeric_form(content: str) -> str | None:
    """The content as a bare math expression, or None when it holds anything else (see docstring)."""
    s = content.strip()
    for left, right in _DELIMITERS:
        if len(s) > len(left) + len(right) and s.startswith(left) and s.endswith(right):
            s = s[len(left) : -len(right)].strip()
            break
    boxed = re.fullmatch(r"\\boxed\{(.*)\}", s, re.DOTALL)
    s = boxed.group(1).strip() if boxed else s
    s = re.sub(r"^[A-Za-z]\w*\s*=\s*", "", s)
    s = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", s)  # thousands separators only
    if not s or len(s) > 64:
        return None
    commands = re.findall(r"\\([A-Za-z]+|%)", s)
    if any(c not in _MATH_COMMANDS for c in commands):
        return None
    bare = re.sub(r"\\(?:[A-Za-z]+|%)", " ", s)
    if re.search(r"[^0-9.\s/+\-*^(){}%]", bare) or re.search(r"\d\s+\.?\d", bare):
        return None
    return s if re.search(r"\d", bare) or "pi" in commands else None


def _math_verify_equal(gold: str, pred: str) -> bool:
    """math_verify equivalence; False when it is missing or fails. Its timeouts use SIGALRM, which
    only works in the main thread; elsewhere it runs untimed (inputs are short, see numeric_form)."""
    try:
        from math_verify import parse, verify
    except ImportError:
        return False
    timeout = _MATH_TIMEOUT_S if threading.current_thread() is threading.main_thread() else 0
    try:
        g = parse(gold, parsing_timeout=timeout) or parse(f"${gold}$", parsing_timeout=timeout)
        p = parse(pred, parsing_timeout=timeout) or parse(f"${pred}$", parsing_timeout=timeout)
        return bool(g and p and verify(g, p, timeout_seconds=timeout))
    except Exception:  # math_verify raises many types on odd input; the float rule still applies
        return False


def _to_float(expr: str) -> float | None:
    """Plain float reading of an integer, decimal or simple fraction (math_verify's fallback)."""
    t = expr.replace(" ", "").replace("\\left", "").replace("\\right", "")
    t = re.sub(r"\\[dt]?frac\{([^{}]+)\}\{([^{}]+)\}", r"\1/\2", t)
    m = re.fullmatch(r"\(?(-?\d*\.?\d+)\)?(?:/\(?(-?\d*\.?\d+)\)?)?", t)
    if not m:
        return None
    den = float(m.group(2)) if m.group(2) else 1.0
    return float(m.group(1)) / den if den else None


def number_equal(content: str, gold: str) -> bool:
    pred = numeric_form(content)
    if pred is None:
        return False
    want = numeric_form(gold) or gold.strip()
    if _math_verify_equal(want, pred):
        return True
    g, p = _to_float(want), _to_float(pred)
    return g is not None and p is not None and math.isclose(g, p, rel_tol=1e-6, abs_tol=1e-9)


def _yesno_equal(content: str, gold: str) -> bool:
    words = re.findall(r"[a-z]+", content.lower())
    if not words or words[0] not in ("yes", "no"):
        return False
    other = "no" if words[0] == "yes" else "yes"
    return other not in words and words[0] == normalize_text(gold)


def _keywords_present(content: str, keywords: Sequence[str]) -> bool:
    words = set(re.findall(r"[a-z0-9]+", content.lower()))
    wanted = [re.findall(r"[a-z0-9]+", k.lower()) for k in keywords]
    return any(wanted) and all(all(w in words for w in kw) for kw in wanted)


def score_completion(
    completion: Any,
    solution: str,
    answer_type: str | None = None,
    choices: Sequence[str] | None = None,
    keywords: Sequence[str] | None = None,
) -> float:
    """1.0 when the completion's one answer block states the gold answer, else 0.0."""
    content = answer_content(completion_text(completion))
    gold = str(solution).strip()
    if content is None or not gold:
        return 0.0
    if answer_type == "letter":
        options = [str(c) for c in choices] if choices is not None else []
        want = named_option(gold, options)
        return float(want is not None and named_option(content, options) == want)
    if answer_type == "number":
        return float(number_equal(content, gold))
    if answer_type == "yesno":
        return float(_yesno_equal(content, gold))
    if answer_type == "open":
        kws = [str(k) for k in keywords] if keywords is not None else []
        return float(
            normalize_text(content) == normalize_text(gold) or (bool(kws) and _keywords_present(content, kws))
        )
    if answer_type in ("ocr", "text"):
        return float(normalize_text(content) == normalize_text(gold))
    if numeric_form(gold) is not None:
        return float(number_equal(content, gold))
    return float(normalize_text(content) == normalize_text(gold))


def _column(values: Sequence[Any] | None, n: int) -> list[Any]:
    return [None] * n if values is None else list(values)


def accuracy_reward(
    completions: Sequence[Any],
    solution: Sequence[str],
    answer_type: Sequence[str | None] | None = None,
    choices: Sequence[Sequence[str] | None] | None = None,
    keywords: Sequence[Sequence[str] | None] | None = None,
    **kwargs: Any,
) -> list[float | None]:
    """TRL reward function: 1.0 per completion whose answer is right by the module's rules, else 0.0.
    Columns are lists aligned with `completions`; `keywords` is optional (open answers)."""
    n = len(completions)
    types, opts, kws = _column(answer_type, n), _column(choices, n), _column(keywords, n)
    return [
        score_completion(c, s, t, o, k)
        for c, s, t, o, k in zip(completions, solution, types, opts, kws, strict=True)
    ]


def format_reward(completions: Sequence[Any], **kwargs: Any) -> list[float | None]:
    """1.0 iff the completion is `<think>...</think>` then one non-empty `<answer>...</answer>`, with
    only whitespace around them and no other think/answer tags (the think block may be empty)."""
    rewards: list[float | None] = []
    for completion in completions:
        text = completion_text(completion)
        match = _FORMAT_RE.fullmatch(text)
        ok = match is not None and bool(match.group(1).strip()) and len(_TAG_RE.findall(text)) == 4
        rewards.append(float(ok))
    return rewards


REWARD_FUNCS: dict[str, Callable[..., list[float | None]]] = {
    "accuracy": accuracy_reward,
    "format": format_reward,
}


def compute_score(
    data_source: str,
    solution_str: str,
    ground_truth: str,
    extra_info: dict[str, Any] | None = None,
    **kwargs: Any,
) -> float:
    """verl's custom reward function form: the accuracy reward of one decoded response.
    `extra_info` may carry answer_type, choices and keywords (as the verl exporter writes them)."""
    info = extra_info or {}
    return score_completion(
        solution_str, ground_truth, info.get("answer_type"), info.get("choices"), info.get("keywords")
    )
