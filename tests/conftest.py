"""Shared fixtures: a test session writes only inside its own temporary folder, and builds its data
and models there from scratch.

Every cache a library might write to (Hugging Face hub and datasets, matplotlib, torch, the XDG
cache, the harness home) points into one folder per session, set before any test module imports
those libraries (`datasets` reads its cache path at import time). Under pytest-xdist each worker
gets its own folder.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

SESSION_DIR = Path(tempfile.mkdtemp(prefix="harness-tests-"))
CACHES = {
    "HARNESS_HOME": "harness_home",
    "HF_HOME": "hf",
    "HF_DATASETS_CACHE": "hf/datasets",
    "XDG_CACHE_HOME": "xdg-cache",
    "MPLCONFIGDIR": "matplotlib",
    "TORCH_HOME": "torch",
    "TORCHINDUCTOR_CACHE_DIR": "torchinductor",
    "TRITON_CACHE_DIR": "triton",
}
for _var, _sub in CACHES.items():
    os.environ[_var] = str(SESSION_DIR / _sub)
atexit.register(shutil.rmtree, SESSION_DIR, ignore_errors=True)


@pytest.fixture(scope="session")
def harness_home() -> Path:
    """The session's harness data root (generated datasets and models)."""
    return Path(os.environ["HARNESS_HOME"])


@pytest.fixture(scope="session")
def tiny_model(harness_home: Path) -> Path:
    from harness.synth.models import ensure_embedded_model

    return ensure_embedded_model("tiny-random")


# The longest files of `make test` (its --durations), started first so that under pytest-xdist's
# `loadfile` none of them is left to run alone at the end; then the other files with slow tests,
# then the quick ones, which fill the gaps. Order is otherwise kept.
LONGEST_FIRST = (
    "tests/lmms/test_reliability.py",
    "tests/examples/test_study.py",
    "tests/evaluation/test_runner.py",
    "tests/lmms/test_generation_settings.py",
    "tests/difficulty/test_pism_run.py",
    "tests/paper6/test_tasks_run.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    slow = {item.nodeid.split("::")[0] for item in items if item.get_closest_marker("slow")}

    def rank(item: pytest.Item) -> tuple[int, int]:
        path = item.nodeid.split("::")[0]
        if path in LONGEST_FIRST:
            return (0, LONGEST_FIRST.index(path))
        return (1, 0) if path in slow else (2, 0)

    items.sort(key=rank)
