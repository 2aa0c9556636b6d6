"""OCRBench: the official per-category substring rule.

Official rule (OCRBench's evaluation script, as lmms-eval 0.7.3 ports it): an item scores 1 when any
gold answer, normalised, is a substring of the normalised prediction.
- HME100k (handwritten mathematical expressions): case-sensitive; strip, line breaks to spaces, then
  every space removed from both sides.
- Every other dataset: lower-cased, stripped, line breaks to spaces.

Official quirks kept, named in the verdict's note: a gold answer that is empty after normalising is
a substring of any prediction, so the item scores 1 whatever was answered; an item without any gold
answer scores 0.

The one deliberate difference from the official script: the answer part is taken first with
`extract_answer` (outside <think> blocks, nothing when one is left unclosed; last <answer> block,
else last \\boxed{}, else the response without <think> blocks). Officially the whole output is
searched, so a gold string mentioned only inside a <think> block, or anywhere in a long reasoning,
counts as read.

Differences from lmms-eval 0.7.3, which folds full-width ASCII (U+FF01 to U+FF5E) and the
ideographic space to ASCII outside HME100k: not done here, as officially ("ＨＥＬＬＯ" does not
contain "hello"); and the answer part, as above.
"""

from __future__ import annotations

from collections.abc import Sequence

from harness.scoring.extract import extract_answer, missing_answer_note
from harness.scoring.verdict import Verdict


def _normalize(text: str, dataset: str) -> str:
    if dataset == "HME100k":
        return text.strip().replace("\n", " ").replace(" ", "")
    return text.lower().strip().replace("\n", " ")


def score_ocrbench(response: str, answers: Sequence[str] | str, dataset: str) -> Verdict:
    """1.0 when a normalised gold answer is contained in the normalised answer part of the response."""
    golds = [answers] if isinstance(answers, str) else list(answers)
    prediction = extract_answer(response)
    if not golds:
        return Verdict(0.0, prediction or None, "rule", note="no gold answer: 0, as officially")
    wanted = [_normalize(str(a), dataset) for a in golds]
    if "" in wanted:
        note = f"official quirk: an empty gold answer ({answers!r}) is a substring of any prediction: 1"
        return Verdict(1.0, prediction or None, "rule", note=note)
    if not prediction:
        return Verdict(0.0, None, "rule", note=missing_answer_note(response))
    got = _normalize(prediction, dataset)
    return Verdict(float(any(g in got for g in wanted)), prediction, "rule")
