"""Pull the final answer out of a model response, the one extractor every scorer uses.

Reasoning first: closed `<think>...</think>` blocks are removed and never searched (an `<answer>` or
`\\boxed{}` written while thinking is not the answer), and a response with an unclosed `<think>`
(cut off by max_new_tokens while reasoning) has no final answer: the result is "", which every
scorer reads as "no answer" (0, or the judge where the benchmark has one). Then, in what remains:
the content of the *last* `<answer>...</answer>` block (unwrapping a `\\boxed{}` inside it), else the
last `\\boxed{...}`, else the whole remaining text. Several answer blocks are a known reward hack;
taking the last one is what a reader of the response would take, and rewards decide separately
whether several blocks are allowed.
"""

from __future__ import annotations

import re

_ANSWER_RE = re.compile(r"<answer>(.*?)</answer>", re.DOTALL | re.IGNORECASE)
_THINK_RE = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)
_OPEN_THINK_RE = re.compile(r"<think>", re.IGNORECASE)


def _last_boxed(text: str) -> str | None:
    start = text.rfind("\\boxed{")
    if start < 0:
        return None
    i = start + len("\\boxed{")
    depth = 1
    for j in range(i, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if depth == 0:
                return text[i:j]
    return None


def final_part(response: str) -> str | None:
    """The response without its closed reasoning blocks; None when a reasoning block never closes
    (the response ended inside it: there is no final answer)."""
    outside = _THINK_RE.sub(" ", response)
    return None if _OPEN_THINK_RE.search(outside) else outside


def judge_view(response: str) -> str:
    """The text a judge is shown: the response without its closed reasoning blocks when anything is
    left outside them (then stripped), else the response verbatim, as the official scripts send it
    (an unclosed <think> too: the judge may still read an answer in it)."""
    outside = _THINK_RE.sub("", response)
    return response if outside == response else (outside.strip() or response)


def missing_answer_note(response: str) -> str:
    """Why a response yielded no answer, for the record's note."""
    if final_part(response) is None:
        return "no final answer: the response ends inside an unclosed <think> (cut off while reasoning?)"
    return "nothing parsed"


def extract_answer(response: str) -> str:
    """The answer part of a response (see module docstring), stripped; "" when there is none."""
    text = final_part(response)
    if text is None:
        return ""
    blocks = _ANSWER_RE.findall(text)
    if blocks:
        content = blocks[-1]
        boxed = _last_boxed(content)
        return (boxed if boxed is not None else content).strip()
    boxed = _last_boxed(text)
    if boxed is not None:
        return boxed.strip()
    return text.strip()


def normalize_text(text: str) -> str:
    """Lower-case, collapse whitespace, strip surrounding punctuation and a trailing period."""
    text = " ".join(text.lower().split())
    return text.strip(" .,:;!?\"'`")
