"""lmms-eval hooks for the synthetic suites; the logic lives in harness.lmms.task_utils."""

from harness.lmms.task_utils import count_records, doc_to_text, doc_to_visual, exact_match_results

process_results_mini = exact_match_results("synth_mini")

__all__ = ["count_records", "doc_to_text", "doc_to_visual", "process_results_mini"]
