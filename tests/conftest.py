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

# Under pytest-xdist the workers inherit TMPDIR (below), so the base is kept aside for them: every
# session folder is a sibling under the system's temporary folder, and paths stay short (vLLM's
# IPC sockets live under TMPDIR, and a Unix socket path is limited to 107 characters).
_TMP_BASE = os.environ.setdefault("HARNESS_TESTS_TMP_BASE", tempfile.gettempdir())
SESSION_DIR = Path(tempfile.mkdtemp(prefix="harness-tests-", dir=_TMP_BASE))
VLLM_TESTS = "tests/lmms/test_vllm_engine.py"
# The embedded model (Qwen2.5-VL) and the other first-class families vLLM 0.32 loads, each with its
# own vLLM model class and multimodal processor (README, "Model families").
VLLM_MODELS = ("tiny-base", "tiny-random-qwen3_vl", "tiny-random-qwen2_vl")
VLLM_URLS_VAR = "HARNESS_TEST_VLLM_URLS"  # servers for VLLM_TESTS, started by pytest_configure
_SERVERS = pytest.StashKey[list]()
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
# Temporary files too, of this process and of every subprocess a test starts: wandb, for one, makes
# temporary folders when it is imported and leaves them behind when its process is killed (the
# resume tests kill runs on purpose).
(SESSION_DIR / "tmp").mkdir()
os.environ["TMPDIR"] = str(SESSION_DIR / "tmp")
tempfile.tempdir = None  # re-read TMPDIR on next use
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
    "tests/training/test_vllm_colocate.py",
    # Its servers start with the session (below) and are ready by the time it runs.
    VLLM_TESTS,
)


def _runs_vllm_tests(config: pytest.Config) -> bool:
    if "not slow" in (config.option.markexpr or ""):
        return False  # make test-fast: the vLLM tests are marked slow
    target = (Path(config.rootpath) / VLLM_TESTS).resolve()
    for arg in config.args:
        path = (Path(config.invocation_params.dir) / arg.split("::")[0]).resolve()
        if target == path or path in target.parents:
            return True
    return False


def pytest_configure(config: pytest.Config) -> None:
    """Start the vLLM tests' servers with the session, in the main process (not in xdist workers,
    which inherit their URLs): a vLLM server takes a minute of CPU to start, which then overlaps
    other tests instead of holding up one worker."""
    if hasattr(config, "workerinput") or VLLM_URLS_VAR in os.environ or not _runs_vllm_tests(config):
        return
    from harness.core.errors import InputError
    from harness.models.vllm_server import ServerSpec, VLLMServer
    from harness.synth.models import ensure_embedded_model

    try:
        specs = [ServerSpec(str(ensure_embedded_model(m)), m, "cpu", in_process=True) for m in VLLM_MODELS]
        servers = [VLLMServer(spec, SESSION_DIR / f"vllm-{i}.log") for i, spec in enumerate(specs)]
    except InputError:
        return  # no vLLM environment: the vLLM tests skip, or fail under HARNESS_REQUIRE_VLLM=1
    config.stash[_SERVERS] = servers
    os.environ[VLLM_URLS_VAR] = "|".join(s.url for s in servers)


def pytest_unconfigure(config: pytest.Config) -> None:
    for server in config.stash.get(_SERVERS, []):
        server.stop()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    slow = {item.nodeid.split("::")[0] for item in items if item.get_closest_marker("slow")}

    def rank(item: pytest.Item) -> tuple[int, int]:
        path = item.nodeid.split("::")[0]
        if path in LONGEST_FIRST:
            return (0, LONGEST_FIRST.index(path))
        return (1, 0) if path in slow else (2, 0)

    items.sort(key=rank)
