"""Pull the final answer out of a model response.

Order: the content of the *last* `<answer>...</answer>` block, else the last `\\boxed{...}`, else the
whole response. Several answer blocks are a known reward hack; taking the last one is what a reader
of the response would take, and rewards decide separately whether several blocks are allowed.
"""

from __future__ import annotations

import re

_ANSWER_RE = re.compile(r"<answer>(.*?)</answer>", re.DOTALL | re.IGNORECASE)
_THINK_RE = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)


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


def extract_answer(response: str) -> str:
    """The answer part of a response (see module docstring), stripped."""
    blocks = _ANSWER_RE.findall(response)
    if blocks:
        return blocks[-1].strip()
    boxed = _last_boxed(response)
    if boxed is not None:
        return boxed.strip()
    return _THINK_RE.sub("", response).strip()


def normalize_text(text: str) -> str:
    """Lower-case, collapse whitespace, strip surrounding punctuation and a trailing period."""
    text = " ".join(text.lower().split())
    return text.strip(" .,:;!?\"'`")
