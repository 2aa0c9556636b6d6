"""The six benchmarks by key and by lmms-eval task name."""

from __future__ import annotations

from harness.paper6 import hallusion, mathvista, mmmu, mmstar, mmvet, ocrbench
from harness.paper6.base import Benchmark

BENCHMARKS: dict[str, Benchmark] = {
    b.key: b
    for b in (
        mathvista.BENCHMARK,
        mmvet.BENCHMARK,
        ocrbench.BENCHMARK,
        hallusion.BENCHMARK,
        mmmu.BENCHMARK,
        mmstar.BENCHMARK,
    )
}
BY_TASK: dict[str, Benchmark] = {b.task: b for b in BENCHMARKS.values()}
GROUP = "paper6"


def benchmark_for(name: str) -> Benchmark:
    """A benchmark by key ("mmstar") or task name ("harness_mmstar")."""
    found = BENCHMARKS.get(name) or BY_TASK.get(name)
    if found is None:
        known = ", ".join(sorted(BENCHMARKS))
        raise KeyError(f"unknown benchmark {name!r} (known: {known}, or their harness_* task names)")
    return found
