"""lmms-eval hooks for the six benchmark tasks; the logic lives in harness.paper6."""

from harness.lmms.task_utils import count_records, mean_of_scored
from harness.paper6.tasks import hallusion_aggregate, hooks

(mathvista_process_docs, mathvista_doc_to_visual, mathvista_doc_to_text, mathvista_process_results) = hooks(
    "mathvista"
)
(mmvet_process_docs, mmvet_doc_to_visual, mmvet_doc_to_text, mmvet_process_results) = hooks("mmvet")
(ocrbench_process_docs, ocrbench_doc_to_visual, ocrbench_doc_to_text, ocrbench_process_results) = hooks(
    "ocrbench"
)
(hallusion_process_docs, hallusion_doc_to_visual, hallusion_doc_to_text, hallusion_process_results) = hooks(
    "hallusion"
)
(mmmu_process_docs, mmmu_doc_to_visual, mmmu_doc_to_text, mmmu_process_results) = hooks("mmmu")
(mmstar_process_docs, mmstar_doc_to_visual, mmstar_doc_to_text, mmstar_process_results) = hooks("mmstar")
hallusion_fAcc = hallusion_aggregate("fAcc")
hallusion_qAcc = hallusion_aggregate("qAcc")

__all__ = ["count_records", "mean_of_scored"]
