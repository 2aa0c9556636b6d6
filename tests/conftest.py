"""Shared fixtures: an isolated harness data root and the embedded tiny model."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session", autouse=True)
def harness_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every test session builds its data and models from scratch in its own data root."""
    home = tmp_path_factory.mktemp("harness_home")
    old = os.environ.get("HARNESS_HOME")
    os.environ["HARNESS_HOME"] = str(home)
    yield home
    if old is None:
        os.environ.pop("HARNESS_HOME", None)
    else:
        os.environ["HARNESS_HOME"] = old


@pytest.fixture(scope="session")
def tiny_model(harness_home: Path) -> Path:
    from harness.synth.models import ensure_embedded_model

    return ensure_embedded_model("tiny-random")
