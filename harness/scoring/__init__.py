"""Answer extraction and rule-based scorers shared by tasks, rewards and re-scoring."""

from harness.scoring.extract import extract_answer, normalize_text
from harness.scoring.hallusion import hallusion_metrics, score_hallusion
from harness.scoring.match import score_exact
from harness.scoring.mathvista import mathvista_query, score_mathvista
from harness.scoring.mmmu import mmmu_options, score_mmmu
from harness.scoring.mmstar import score_mmstar
from harness.scoring.mmvet import score_mmvet, score_mmvet_approx
from harness.scoring.ocrbench import score_ocrbench
from harness.scoring.rules import (
    parse_letter,
    parse_number,
    score_choice,
    score_contains,
    score_keywords,
    score_number,
    score_yesno,
)
from harness.scoring.verdict import JudgeLike, Verdict

__all__ = [
    "JudgeLike",
    "Verdict",
    "extract_answer",
    "hallusion_metrics",
    "mathvista_query",
    "mmmu_options",
    "normalize_text",
    "parse_letter",
    "parse_number",
    "score_choice",
    "score_contains",
    "score_exact",
    "score_hallusion",
    "score_keywords",
    "score_mathvista",
    "score_mmmu",
    "score_mmstar",
    "score_mmvet",
    "score_mmvet_approx",
    "score_number",
    "score_ocrbench",
    "score_yesno",
]
