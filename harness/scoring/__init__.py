"""Answer extraction and rule-based scorers shared by tasks, rewards and re-scoring."""

from harness.scoring.extract import extract_answer, normalize_text
from harness.scoring.match import score_exact
from harness.scoring.rules import (
    parse_letter,
    parse_number,
    score_choice,
    score_contains,
    score_keywords,
    score_number,
    score_yesno,
)

__all__ = [
    "extract_answer",
    "normalize_text",
    "parse_letter",
    "parse_number",
    "score_choice",
    "score_contains",
    "score_exact",
    "score_keywords",
    "score_number",
    "score_yesno",
]
