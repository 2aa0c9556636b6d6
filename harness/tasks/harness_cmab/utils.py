"""lmms-eval hooks of the CMAB scoring task; the logic lives in harness.difficulty.cmab_task."""

from harness.difficulty.cmab_task import doc_to_text, doc_to_visual, process_results
from harness.difficulty.source import keep_row_image_bytes as process_docs
from harness.lmms.task_utils import count_records, mean_of_scored

__all__ = [
    "count_records",
    "doc_to_text",
    "doc_to_visual",
    "mean_of_scored",
    "process_docs",
    "process_results",
]
