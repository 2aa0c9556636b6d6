"""lmms-eval hooks for the synthetic suites; the logic lives in harness.lmms.task_utils."""

from harness.core.images import keep_image_bytes as process_docs
from harness.lmms.task_utils import count_records, doc_to_text, doc_to_visual, synthetic_results

process_results_mini = synthetic_results("synth_mini")
process_results_mmstar = synthetic_results("synth_mmstar")
process_results_mmmu = synthetic_results("synth_mmmu")
process_results_mathvista = synthetic_results("synth_mathvista")
process_results_ocrbench = synthetic_results("synth_ocrbench")
process_results_hallusion = synthetic_results("synth_hallusion")
process_results_mmvet = synthetic_results("synth_mmvet")
process_results_pool = synthetic_results("synth_pool")

__all__ = ["count_records", "doc_to_text", "doc_to_visual", "process_docs"]
