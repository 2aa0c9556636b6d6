"""The vLLM engine's pieces that need no server: the request payload (per-request seed, lossless
images), the server command (DESIGN §9's CPU settings), the engine options and their errors."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import pytest
from PIL import Image

from harness.core.errors import InputError
from harness.difficulty.pism import PISMConfig
from harness.difficulty.pism_runner import PISMRun, ScoreRequest
from harness.lmms.plugin import Request, Settings
from harness.lmms.vllm_plugin import chat_payload
from harness.models.vllm_server import ServerSpec, vllm_python

MODEL = "tiny-base"
TASK = "harness_synth_pool"


def _pism(out: Path, urls: list[str], **kwargs: object) -> ScoreRequest:
    return ScoreRequest(model_path="/nowhere", model_name=MODEL, source_task=TASK, out=out, config=PISMConfig(),
                        engine="vllm", vllm_urls=tuple(urls), device="cpu", **kwargs)  # type: ignore[arg-type]  # fmt: skip


def test_images_travel_as_lossless_png() -> None:
    image = Image.effect_noise((37, 23), 80).convert("RGB")
    payload = chat_payload(Request([{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "q"}]}],
                                   [image], "key"), Settings(8, 1.0, None, []), MODEL, 0)  # fmt: skip
    part = payload["messages"][0]["content"][0]
    url = part["image_url"]["url"]
    assert url.startswith("data:image/png;base64,")
    decoded = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))
    assert list(decoded.getdata()) == list(image.getdata())
    assert isinstance(payload["seed"], int) and payload["temperature"] == 1.0
    greedy = chat_payload(
        Request([{"role": "user", "content": "q"}], [], "key"), Settings(8, 0.0, None, []), MODEL, 0
    )
    assert "seed" not in greedy and greedy["temperature"] == 0.0


def test_server_command_follows_the_verified_cpu_settings() -> None:
    cpu = ServerSpec("/m", "m", "cpu")
    cmd = cpu.command(Path("/venv/bin/python"), 8000)
    assert {"--enforce-eager", "--no-enable-chunked-prefill"} <= set(cmd) and "float32" in cmd
    assert cpu.env()["VLLM_CPU_KVCACHE_SPACE"] == "1" and cpu.env()["VLLM_HOST_IP"] == "127.0.0.1"
    gpu = ServerSpec("/m", "m", "cuda:1")
    assert "--enforce-eager" not in gpu.command(Path("/p"), 1) and gpu.env()["CUDA_VISIBLE_DEVICES"] == "1"


def test_a_server_that_is_not_there_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(
        InputError, match=re.escape("--vllm-url http://127.0.0.1:9/v1: no OpenAI-compatible server")
    ):
        PISMRun(_pism(tmp_path, ["http://127.0.0.1:9/v1"], limit=1)).run()


def test_vllm_url_needs_the_vllm_engine(tmp_path: Path) -> None:
    from harness.api import ScorePismConfig

    with pytest.raises(InputError, match="--vllm-url: only with --engine vllm"):
        ScorePismConfig(task=TASK, out=tmp_path, vllm_url=("http://127.0.0.1:8000/v1",))


def test_without_a_vllm_environment_the_error_says_how_to_build_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HARNESS_VLLM_PYTHON", str(tmp_path / "missing"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("harness.models.vllm_server.__file__", str(tmp_path / "a" / "b" / "c.py"))
    with pytest.raises(InputError, match="make vllm-setup"):
        vllm_python()


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"engine": "tgi"}, "--engine"),
    ({"engine": "vllm", "vllm_url": ("127.0.0.1:8000",)}, "not an http"),
    ({"engine": "vllm", "backend": "qwen2_5_vl"}, "--backend: only with --engine hf"),
])  # fmt: skip
def test_engine_options_are_checked_up_front(kwargs: dict[str, object], match: str, tmp_path: Path) -> None:
    from harness.api import EvaluateConfig

    with pytest.raises(InputError, match=match):
        EvaluateConfig(out=tmp_path, **kwargs)  # type: ignore[arg-type]
