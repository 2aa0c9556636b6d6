"""The paper's six evaluation benchmarks as tier-aware lmms-eval tasks (harness/tasks/harness_paper6/).

MathVista testmini, MM-Vet, OCRBench, HallusionBench (whole), MMMU validation and MMStar: one record
per item with the dataset's own id, rule-based offline scoring faithful to each benchmark's official
rules, an optional OpenAI-compatible judge (MM-Vet; MathVista extraction when rules fail), and
re-scoring of stored responses.
"""

from harness.paper6.base import Benchmark
from harness.paper6.registry import BENCHMARKS, BY_TASK, GROUP, benchmark_for
from harness.paper6.rescore import RescoreResult, rescore

__all__ = ["BENCHMARKS", "BY_TASK", "GROUP", "Benchmark", "RescoreResult", "benchmark_for", "rescore"]
