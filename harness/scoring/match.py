"""Exact-match scoring after extraction and normalisation (the synthetic suites' rule)."""

from __future__ import annotations

from harness.scoring.extract import extract_answer, normalize_text


def score_exact(response: str, target: str) -> tuple[float, str]:
    """(score, parsed answer): 1.0 when the extracted answer equals the target after normalising."""
    parsed = extract_answer(response)
    return float(normalize_text(parsed) == normalize_text(target)), parsed
