"""lmms-eval model plugin `harness_vlm`: a Hugging Face vision-language model of any supported family.

Families (Qwen2-VL, Qwen2.5-VL, Qwen3-VL, and generic image-text-to-text ones) are in
`harness.models.families`.

Why our own plugin rather than lmms-eval's `qwen2_5_vl`: that one imports decord, re-encodes every
image as JPEG (quality 85) before the processor, which changes the pixels PISM masks and CMAB
attends to, and places data-parallel ranks on CUDA devices only. This plugin passes the PIL image
unchanged to the processor, runs data-parallel on CPU or GPU through accelerate, and loads with the
harness loader (no torchvision needed).

Registered through the `lmms_eval.models` entry point in `harness.lmms.registry` (lmms-eval 0.7.3
ignores `@register_model` outside its own package).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import torch
from accelerate import Accelerator
from lmms_eval.api.instance import Instance
from lmms_eval.api.model import lmms
from loguru import logger as eval_logger
from PIL import Image
from tqdm import tqdm

from harness.lmms.journal import ResponseJournal, request_key
from harness.models.attention import answer_ids
from harness.models.chat import chat_messages
from harness.models.loader import load_model_and_processor
from harness.models.sampling import row_seed, seeded_sampling

DEFAULT_MAX_NEW_TOKENS = 256


def _as_bool(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).lower() in {"1", "true", "yes"}


@dataclass
class Request:
    """One generation request, prepared the same way for every engine: the chat messages (images
    first, as `{"type": "image"}` parts), the PIL images in order, and the key its sampled answer is
    seeded by."""

    messages: list[dict[str, Any]]
    images: list[Image.Image]
    key: str


@dataclass
class Settings:
    """A batch's generation settings, read from lmms-eval's gen_kwargs."""

    max_new_tokens: int
    temperature: float  # 0: greedy
    top_p: float | None
    until: list[str]

    @classmethod
    def from_gen_kwargs(cls, gen_kwargs: dict[str, Any]) -> Settings:
        kwargs = dict(gen_kwargs)
        until = kwargs.pop("until", None) or []
        until = [until] if isinstance(until, str) else list(until)
        temperature = float(kwargs.pop("temperature", 0) or 0)
        if not (_as_bool(kwargs.pop("do_sample", temperature > 0)) and temperature > 0):
            temperature = 0.0
        top_p = kwargs.get("top_p")
        return cls(
            max_new_tokens=int(kwargs.pop("max_new_tokens", DEFAULT_MAX_NEW_TOKENS)),
            temperature=temperature,
            top_p=float(top_p) if top_p is not None else None,
            until=[u for u in until if u],
        )


class GeneratorBase(lmms):
    """What every harness generation engine shares: requests turned into chat messages the same way,
    responses journaled as they are generated (resumable `harness eval`), batches that never mix
    settings, and a sampled answer seeded by its own document, never by its batch. Subclasses
    implement `generate(requests, settings)` for one batch."""

    is_simple = True
    engine = ""  # recorded with every answer: HF and vLLM sampled answers differ

    def __init__(
        self,
        rank: int = 0,
        world_size: int = 1,
        batch_size: int | str = 1,
        system_prompt: str | None = None,
        seed: int | str = 0,
        image_ablation: str | None = None,
        journal: str | None = None,
    ) -> None:
        super().__init__()
        self._rank = rank
        self._world_size = world_size
        self.batch_size_per_gpu = int(batch_size)
        self.system_prompt = system_prompt
        self.seed = int(seed)
        if image_ablation not in (None, "", "none", "black"):
            raise ValueError(
                f"{type(self).__name__}: image_ablation must be 'black' or unset, got {image_ablation!r}"
            )
        # "black": every image replaced by an all-black one of the same size, to measure how much
        # of a score depends on seeing the image.
        self.image_ablation = image_ablation if image_ablation in ("black",) else None
        # Set by `harness eval`: responses are journaled as they are generated (see journal.py).
        self.journal = ResponseJournal(journal, self._rank) if journal else None
        self._hashes: dict[tuple[str, str], list[Any] | None] = {}
        # Set by scoring runs that evaluate many rounds with one instance (see `clean`).
        self.keep_loaded = False

    def clean(self) -> None:
        """lmms-eval calls this at the end of every `simple_evaluate`; its version deletes the
        model (to free the GPU for a local judge). A scoring run evaluates dozens of rounds with one
        instance (`keep_loaded`), so the model stays; per-task document caches are dropped."""
        self._hashes.clear()
        if not self.keep_loaded:
            super().clean()

    @property
    def batch_size(self) -> int:
        return self.batch_size_per_gpu

    def loglikelihood(self, requests: list[Instance]) -> list[tuple[float, bool]]:
        raise NotImplementedError(f"{type(self).__name__} only generates (output_type: generate_until)")

    def generate_until_multi_round(self, requests: list[Instance]) -> list[str]:
        raise NotImplementedError(f"{type(self).__name__} does not support multi-round generation")

    def generate(self, batch: list[Request], settings: Settings) -> list[str]:
        """The answers to one batch of requests under one set of settings, cut at `settings.until`."""
        raise NotImplementedError

    def generate_until(self, requests: list[Instance]) -> list[str]:
        results: list[str | None] = [None] * len(requests)
        keys: list[str] = []
        if self.journal is not None:
            keys = [self._request_key(req) for req in requests]
            results = [self.journal.get(k) for k in keys]
            done = sum(r is not None for r in results)
            if done and self.rank == 0:
                eval_logger.info(
                    f"{type(self).__name__}: {done} of {len(requests)} responses from the journal of an earlier run"
                )
        todo = [i for i, r in enumerate(results) if r is None]
        pbar = tqdm(total=len(requests), initial=len(requests) - len(todo), disable=self.rank != 0,
                    desc=f"{self.engine} generating")  # fmt: skip
        for batch in settings_batches(requests, todo, self.batch_size):
            chunk = [requests[i] for i in batch]
            answers = self.generate(
                [self._request(req) for req in chunk], Settings.from_gen_kwargs(chunk[0].args[1])
            )
            for i, answer in zip(batch, answers, strict=True):
                results[i] = answer
            if self.journal is not None:
                self.journal.append((keys[i], a) for i, a in zip(batch, answers, strict=True))
            pbar.update(len(batch))
        pbar.close()
        missing = [i for i, r in enumerate(results) if r is None]
        if missing:
            raise RuntimeError(f"{type(self).__name__}: no response for requests {missing[:5]}")
        return [str(r) for r in results]

    def _request(self, req: Instance) -> Request:
        context, _gen_kwargs, doc_to_visual, doc_id, task, split = req.args
        doc = self.task_dict[task][split][doc_id]
        images = visual_images(doc_to_visual(doc), f"{task} document {doc_id}")
        if self.image_ablation == "black":
            images = [Image.new("RGB", v.size) for v in images]
        messages = chat_messages(context, len(images), self.system_prompt)
        # What a sampled answer is seeded by: the document's own seed or id, never its batch.
        key = str(doc.get("sample_seed") or doc.get("item_id") or f"{task}:{split}:{doc_id}")
        return Request(messages, images, key)

    def _request_key(self, req: Instance) -> str:
        context, gen_kwargs, _visual, doc_id, task, split = req.args
        return request_key(task, split, doc_id, context, gen_kwargs, self._content_hash(task, split, doc_id))

    def _content_hash(self, task: str, split: str, doc_id: int) -> str | None:
        # Read the one column, once per task: `dataset[doc_id]` would decode the row's image, which
        # cost as much as the journal saved on the tiny model (measured in bench_overhead).
        if (task, split) not in self._hashes:
            docs = self.task_dict[task][split]
            columns = getattr(docs, "column_names", None)
            if columns is not None:
                self._hashes[(task, split)] = (
                    list(docs["content_hash"]) if "content_hash" in columns else None
                )
            else:  # a plain list of documents
                self._hashes[(task, split)] = [
                    d.get("content_hash") if isinstance(d, dict) else None for d in docs
                ]
        hashes = self._hashes[(task, split)]
        return None if hashes is None else hashes[doc_id]


def cut_at_stops(text: str, until: list[str]) -> str:
    for stop in until:
        text = text.split(stop)[0]
    return text


class HarnessVLM(GeneratorBase):
    """Greedy or sampled generation with a Hugging Face vision-language model (any family of
    harness.models.families); batches with left padding."""

    engine = "hf"

    def __init__(
        self,
        pretrained: str,
        device: str | None = None,
        device_map: str | None = None,
        batch_size: int | str = 1,
        dtype: str = "auto",
        attn_implementation: str | None = None,
        system_prompt: str | None = None,
        seed: int | str = 0,
        image_ablation: str | None = None,
        journal: str | None = None,
        **image_kwargs: Any,
    ) -> None:
        use_cpu = (device or device_map or "").startswith("cpu") or not torch.cuda.is_available()
        self.accelerator = Accelerator(cpu=use_cpu)
        super().__init__(
            self.accelerator.process_index, self.accelerator.num_processes, batch_size, system_prompt, seed,
            image_ablation, journal,
        )  # fmt: skip
        self._device = self.accelerator.device
        if device and device.startswith("cuda:") and self.accelerator.num_processes == 1:
            self._device = torch.device(device)  # one process: the GPU asked for, not accelerate's first
        pixels = {k: int(v) for k, v in image_kwargs.items() if k in {"min_pixels", "max_pixels"}}
        unknown = set(image_kwargs) - set(pixels)
        if unknown:
            raise TypeError(f"harness_vlm: unknown model_args {sorted(unknown)}")
        self._model, self.processor = load_model_and_processor(
            pretrained, device=self._device, dtype=dtype, attn_implementation=attn_implementation, **pixels
        )
        self._tokenizer = self.processor.tokenizer

    # lmms-eval reads these properties.
    @property
    def model(self) -> Any:
        return self._model

    @property
    def tokenizer(self) -> Any:
        return self._tokenizer

    @property
    def device(self) -> torch.device:
        return self._device

    def generate(self, batch: list[Request], settings: Settings) -> list[str]:
        texts = [
            self.processor.apply_chat_template([r.messages], add_generation_prompt=True, tokenize=False)[0]
            for r in batch
        ]
        generate_kwargs: dict[str, Any] = {
            "max_new_tokens": settings.max_new_tokens,
            "pad_token_id": self.tokenizer.pad_token_id,
            "eos_token_id": self.tokenizer.eos_token_id,
            # Greedy decoding's arguments either way: a sampled answer is greedy decoding over logits
            # perturbed by each request's own seeded noise (harness.models.sampling), so the whole
            # batch is generated at once and each answer is the same whatever batch, rank or
            # schedule it is in.
            "do_sample": False,
            "top_p": None,
            "top_k": None,
            "temperature": None,
        }
        if settings.temperature > 0:
            seeds = [row_seed(self.seed, r.key) for r in batch]
            generate_kwargs["logits_processor"] = seeded_sampling(seeds, settings.temperature, settings.top_p)
        return self._generate(texts, [r.images for r in batch], generate_kwargs, settings.until)

    def _inputs(self, texts: list[str], visuals: list[list[Image.Image]]) -> dict[str, torch.Tensor]:
        # One list of images per prompt: every family's processor takes it (Gemma 3's needs it).
        images = visuals if any(visuals) else None
        return dict(
            self.processor(
                text=texts, images=images, padding=True, padding_side="left", return_tensors="pt"
            ).to(self._device)
        )

    def _answer_ids(self, inputs: dict[str, torch.Tensor], kwargs: dict[str, Any]) -> list[list[int]]:
        """Generated token ids per row, up to (without) the first end-of-sequence or pad token."""
        with torch.inference_mode():
            out = self.model.generate(**inputs, **kwargs)
        eos = kwargs.get("eos_token_id")
        stop = {self.tokenizer.pad_token_id, *(eos if isinstance(eos, list) else [eos])} - {None}
        return answer_ids(out[:, inputs["input_ids"].shape[1] :], stop)

    def _generate(
        self, texts: list[str], visuals: list[list[Image.Image]], kwargs: dict[str, Any], until: list[str]
    ) -> list[str]:
        inputs = self._inputs(texts, visuals)
        answers = self._answer_ids(inputs, kwargs)
        return self._finish(inputs, answers, until)

    def _finish(
        self, inputs: dict[str, torch.Tensor], answers: list[list[int]], until: list[str]
    ) -> list[str]:
        """The text returned to lmms-eval for each generated answer, cut at the first stop string
        (subclasses append payloads after this)."""
        return [
            cut_at_stops(a, until) for a in self.processor.batch_decode(answers, skip_special_tokens=True)
        ]


def settings_batches(requests: list[Instance], todo: list[int], size: int) -> list[list[int]]:
    """`todo` (request indices) cut into batches of at most `size` that never mix generation
    settings. lmms-eval hands every task's requests to one `generate_until`, and a batch is generated
    under one set of settings: mixed, a task would be answered under another task's max_new_tokens
    or temperature, and records would depend on the batch size and the task order. Requests are
    grouped by their settings in order of first appearance (as lmms-eval's own Collator groups
    them), keeping their order within a group."""
    groups: dict[str, list[int]] = {}
    for i in todo:
        groups.setdefault(json.dumps(requests[i].args[1], sort_keys=True, default=str), []).append(i)
    return [group[start : start + size] for group in groups.values() for start in range(0, len(group), size)]


def visual_images(visuals: Any, where: str) -> list[Image.Image]:
    """The PIL images of a document's visuals. Anything else is refused: a pre-scaled tensor passed
    to the processor is rescaled a second time (the model then sees an almost black image)."""
    out = []
    for v in visuals or []:
        if not isinstance(v, Image.Image):
            raise TypeError(
                f"{where}: doc_to_visual returned {type(v).__name__}; harness models take PIL images only "
                "(a [0, 1] tensor would be rescaled by 1/255 again by the processor)"
            )
        out.append(v)
    return out
