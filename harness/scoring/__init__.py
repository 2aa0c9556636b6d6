"""Answer extraction and rule-based scorers shared by tasks, rewards and re-scoring."""

from harness.scoring.extract import extract_answer, normalize_text
from harness.scoring.match import score_exact

__all__ = ["extract_answer", "normalize_text", "score_exact"]
