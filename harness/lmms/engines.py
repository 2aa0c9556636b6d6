"""Which engine generates the answers (`--engine hf|vllm`), as the lmms-eval model name and model_args
a run hands to lmms-eval, with vLLM servers started for the run when none are given.

HF and vLLM sampled answers differ (each engine draws its own noise from a unit's seed), so the
engine is part of every scoring run's identity and is recorded with every record and difficulty row.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from harness.core.errors import InputError
from harness.models.device import spread

ENGINES = ("hf", "vllm")
LMMS_MODEL = {"hf": "harness_vlm", "vllm": "harness_vllm"}


def check_engine(engine: str, vllm_urls: tuple[str, ...] | list[str]) -> None:
    if engine not in ENGINES:
        raise InputError(f"--engine: {engine!r} is not one of {', '.join(ENGINES)}")
    if vllm_urls and engine != "vllm":
        raise InputError("--vllm-url: only with --engine vllm")
    for url in vllm_urls:
        if not url.startswith(("http://", "https://")):
            raise InputError(f"--vllm-url: {url!r} is not an http(s) URL (e.g. http://127.0.0.1:8000/v1)")


@dataclass(frozen=True)
class Engine:
    """An engine ready for lmms-eval: `model` and the `model_args` that reach it; `version` is what
    is recorded (e.g. "hf transformers 5.24.0", "vllm 0.32.0")."""

    name: str
    model: str
    model_args: str
    version: str


def hf_engine(model_path: str, device: str, seed: int) -> Engine:
    return Engine("hf", LMMS_MODEL["hf"], f"pretrained={model_path},device={device},seed={seed}",
                  f"hf transformers {version('transformers')}")  # fmt: skip


def vllm_engine(urls: list[str], seed: int) -> Engine:
    from harness.models.vllm_server import served_model, server_version

    served = {served_model(u) for u in urls}
    if len(served) != 1:
        raise InputError(f"--vllm-url: the servers serve different models ({', '.join(sorted(served))})")
    return Engine("vllm", LMMS_MODEL["vllm"], f"base_url={'|'.join(urls)},model={served.pop()},seed={seed}",
                  f"vllm {server_version(urls[0])}")  # fmt: skip


@contextlib.contextmanager
def engine_for(
    engine: str,
    model_path: str,
    model_name: str,
    device: str,
    seed: int,
    log_dir: Path,
    vllm_urls: tuple[str, ...] | list[str] = (),
    servers: int = 1,
) -> Iterator[Engine]:
    """The engine for one run. For vLLM without `vllm_urls`, `servers` local servers (one per GPU
    when `device` is plain cuda and there are that many) are started for the run and stopped after."""
    check_engine(engine, vllm_urls)
    if engine == "hf":
        yield hf_engine(model_path, device, seed)
        return
    if vllm_urls:
        yield vllm_engine(list(vllm_urls), seed)
        return
    from harness.models.vllm_server import ServerSpec, serving

    # One server on a CPU: vLLM's CPU engine already uses every core it is given.
    devices = ["cpu"] if device == "cpu" else spread(device, servers)
    specs = [ServerSpec(model_path, model_name, d, seed=seed) for d in devices]
    with serving(specs, log_dir) as urls:
        yield vllm_engine(urls, seed)
