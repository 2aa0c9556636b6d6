"""The paper's study end to end on the embedded default (`harness demo`, `make demo`)."""

from harness.demo.config import ARMS, BENCHMARK_TASKS, POOL, DemoConfig
from harness.demo.study import run_demo

__all__ = ["ARMS", "BENCHMARK_TASKS", "POOL", "DemoConfig", "run_demo"]
