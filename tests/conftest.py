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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Files with slow tests first (order otherwise kept): under pytest-xdist's `loadfile` they start
    at once on every worker and the quick files fill the gaps, instead of a long file starting last
    and running alone at the end."""
    slow = {item.nodeid.split("::")[0] for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.nodeid.split("::")[0] not in slow)
