"""OCRBench: the official per-category substring rule.

Official rule (OCRBench's evaluation script, as lmms-eval 0.7.3 ports it): an item scores 1 when any
gold answer, normalised, is a substring of the normalised prediction.
- HME100k (handwritten mathematical expressions): case-sensitive; strip, line breaks to spaces, then
  every space removed from both sides.
- Every other dataset: lower-cased, stripped, line breaks to spaces.

Kept from lmms-eval 0.7.3 (not in upstream OCRBench): outside HME100k, full-width ASCII (U+FF01 to
U+FF5E) is folded to ASCII and the ideographic space U+3000 to a space before comparing. It only
changes items whose text is written in full-width forms, where it counts the same characters as the
same answer; keeping it keeps agreement with lmms-eval.

Deliberate differences from lmms-eval 0.7.3:
- The answer part is taken first with `extract_answer` (outside <think> blocks, nothing when one is left unclosed; last <answer> block, else last \\boxed{},
  else the response without <think> blocks). lmms-eval searches the whole output, so a gold string
  mentioned only inside a <think> block, or anywhere in a long reasoning, counts as read.
- A gold answer that is empty after normalising is ignored (as a substring it matches any
  prediction); an item with no usable gold answer is unscored (score None), not scored 1.
"""

from __future__ import annotations

from collections.abc import Sequence

from harness.scoring.extract import extract_answer, missing_answer_note
from harness.scoring.verdict import Verdict

_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: ord(" ")}


def _normalize(text: str, dataset: str) -> str:
    if dataset == "HME100k":
        return text.strip().replace("\n", " ").replace(" ", "")
    return text.translate(_FULLWIDTH).lower().strip().replace("\n", " ")


def score_ocrbench(response: str, answers: Sequence[str] | str, dataset: str) -> Verdict:
    """1.0 when a normalised gold answer is contained in the normalised answer part of the response."""
    golds = [answers] if isinstance(answers, str) else list(answers)
    wanted = [g for g in (_normalize(a, dataset) for a in golds) if g]
    prediction = extract_answer(response)
    if not wanted:
        return Verdict(None, prediction or None, "none", note=f"no non-empty gold answer: {answers!r}")
    if not prediction:
        return Verdict(0.0, None, "rule", note=missing_answer_note(response))
    got = _normalize(prediction, dataset)
    return Verdict(float(any(g in got for g in wanted)), prediction, "rule")
