"""lmms-eval model plugin `harness_vllm`: answers from OpenAI-compatible vLLM servers.

Why our own plugin rather than lmms-eval's vLLM backends: they take one output per request and build
one `SamplingParams` per batch from its last request, so every request of a batch shares one seed
and a unit's sampled answer depends on its batch. Here each request carries its own seed (the
same `row_seed` of the document's key that `harness_vlm` uses), so a unit's answer is the same at
any batch size, in any order, on any of the servers and after a restart.

Why a server rather than vLLM in process: vLLM pins its own torch and transformers, which a
separate environment keeps out of the harness's (harness.models.vllm_server starts one), and a
server is how vLLM runs on clusters: several `base_url`s (one per GPU or node) share the requests.

Images travel as lossless PNG, so the pixels PISM masks are the pixels the model sees. The prompt
is the same chat (images first, then the text) that `harness_vlm` renders with the model's own
chat template; vLLM renders it with the same template.
"""

from __future__ import annotations

import asyncio
import base64
import io
from typing import Any

import httpx
from PIL import Image

from harness.lmms.plugin import GeneratorBase, Request, Settings, cut_at_stops
from harness.models.sampling import row_seed

# Requests in flight per server: enough to keep vLLM's continuous batching full; vLLM queues the rest.
DEFAULT_CONCURRENCY = 64


class VLLMRequestError(RuntimeError):
    """A vLLM server refused or failed a request; the message names the request."""


def png_data_url(image: Image.Image) -> str:
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def openai_messages(request: Request) -> list[dict[str, Any]]:
    """The request's chat with each image part replaced, in order, by its PNG as a data URL."""
    images = iter(request.images)
    out = []
    for message in request.messages:
        content = message["content"]
        if isinstance(content, list):
            content = [
                {"type": "image_url", "image_url": {"url": png_data_url(next(images))}}
                if part.get("type") == "image"
                else part
                for part in content
            ]
        out.append({**message, "content": content})
    return out


def chat_payload(request: Request, settings: Settings, model: str, seed: int) -> dict[str, Any]:
    """One chat-completions request. Sampled requests carry their own seed; top_k is off as in
    harness_vlm, whose sampler filters by top-p only."""
    payload: dict[str, Any] = {
        "model": model,
        "messages": openai_messages(request),
        "max_tokens": settings.max_new_tokens,
        "temperature": settings.temperature,
        "top_k": -1,
        "skip_special_tokens": True,
    }
    if settings.top_p is not None:
        payload["top_p"] = settings.top_p
    if settings.temperature > 0:
        payload["seed"] = row_seed(seed, request.key)
    return payload


class HarnessVLLM(GeneratorBase):
    """Greedy or seeded sampled generation by vLLM servers at `base_url` (several joined by `|`)."""

    engine = "vllm"

    def __init__(
        self,
        base_url: str,
        model: str,
        batch_size: int | str = 1,
        system_prompt: str | None = None,
        seed: int | str = 0,
        image_ablation: str | None = None,
        journal: str | None = None,
        concurrency: int | str = DEFAULT_CONCURRENCY,
        timeout: float | str = 600.0,
        **ignored: Any,
    ) -> None:
        # `pretrained`, `device` and the like are the HF engine's: the servers already hold the model.
        super().__init__(0, 1, batch_size, system_prompt, seed, image_ablation, journal)
        self.urls = [u.rstrip("/") for u in str(base_url).split("|") if u]
        if not self.urls:
            raise ValueError("harness_vllm: base_url is empty")
        self.served_model = model
        self.concurrency = int(concurrency)
        self.timeout = float(timeout)

    @property
    def batch_size(self) -> int:
        # lmms-eval's batch size only decides how many requests reach `generate` at once; the servers
        # batch continuously, so at least `concurrency` per server are sent together.
        return max(self.batch_size_per_gpu, self.concurrency * len(self.urls))

    def generate(self, batch: list[Request], settings: Settings) -> list[str]:
        return asyncio.run(self._generate(batch, settings))

    async def _generate(self, batch: list[Request], settings: Settings) -> list[str]:
        # asyncio rather than threads: a thread per request in flight on one httpx.Client hung and
        # then failed ("Bad file descriptor") beyond its 100 pooled connections (bench_engines).
        in_flight = self.concurrency * len(self.urls)
        limits = httpx.Limits(max_connections=in_flight, max_keepalive_connections=in_flight)
        slots = asyncio.Semaphore(in_flight)
        async with httpx.AsyncClient(timeout=self.timeout, limits=limits) as client:

            async def one(i: int, request: Request) -> str:
                async with slots:
                    # Request i goes to server i mod n: which server answers does not change the answer.
                    return await self._complete(client, self.urls[i % len(self.urls)], request, settings)

            answers = await asyncio.gather(*(one(i, r) for i, r in enumerate(batch)))
        return [cut_at_stops(a, settings.until) for a in answers]

    async def _complete(
        self, client: httpx.AsyncClient, url: str, request: Request, settings: Settings
    ) -> str:
        payload = chat_payload(request, settings, self.served_model, self.seed)
        if settings.until:
            payload["stop"] = settings.until
        try:
            response = await client.post(f"{url}/chat/completions", json=payload)
        except httpx.HTTPError as e:
            raise VLLMRequestError(f"harness_vllm: request {request.key!r} to {url} failed: {e!r}") from e
        if response.status_code != 200:
            raise VLLMRequestError(
                f"harness_vllm: {url} answered {response.status_code} to request {request.key!r}: "
                f"{response.text[:500]}"
            )
        choice = response.json()["choices"][0]
        return str(choice["message"].get("content") or "")
