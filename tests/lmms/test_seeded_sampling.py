"""Sampled answers are generated in batches and stay the same at any batch size and order.

`--batch-size` used to do nothing for sampled generation (PISM samples every answer): each request
was generated alone under its own torch seed, so that its answer would not depend on its batch.
Now a batch is one `generate` call whose rows draw their noise from their own seeds."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from harness.lmms.plugin import HarnessVLM
from tests.lmms.requests import image_requests

SAMPLED = {"temperature": 1.0, "do_sample": True, "max_new_tokens": 12}
DOCS = [{"item_id": f"u{i}", "image": Image.new("RGB", (56 + 14 * (i % 3), 56), (30 * i, 90, 200 - 20 * i))}
        for i in range(8)]  # fmt: skip


@pytest.fixture(scope="module")
def vlm(tiny_model: Path) -> HarnessVLM:
    model = HarnessVLM(pretrained=str(tiny_model), device="cpu", seed=5)
    model.task_dict = {"t": {"test": DOCS}}
    return model


def _answers(
    vlm: HarnessVLM, batch: int, order: list[int], gen_kwargs: dict[str, Any] = SAMPLED
) -> dict[int, str]:
    vlm.batch_size_per_gpu = batch
    answers = vlm.generate_until(image_requests(order, gen_kwargs))
    return dict(zip(order, answers, strict=True))


def test_sampled_answers_do_not_depend_on_batch_or_order(vlm: HarnessVLM) -> None:
    one = _answers(vlm, 1, list(range(8)))
    shuffled = list(range(8))
    random.Random(0).shuffle(shuffled)
    assert _answers(vlm, 8, list(range(8))) == one
    assert _answers(vlm, 3, shuffled) == one
    greedy = _answers(vlm, 8, list(range(8)), {"temperature": 0, "max_new_tokens": 12})
    assert one != greedy  # it did sample


def test_a_batch_of_sampled_requests_is_one_generate_call(vlm: HarnessVLM) -> None:
    calls: list[int] = []
    real = vlm.model.generate

    def counting(**kwargs: Any) -> Any:
        calls.append(int(kwargs["input_ids"].shape[0]))
        return real(**kwargs)

    vlm.model.generate = counting  # the real model, watched
    try:
        _answers(vlm, 8, list(range(8)))
    finally:
        del vlm.model.generate
    assert calls == [8]


def test_the_run_seed_changes_the_sample(tiny_model: Path, vlm: HarnessVLM) -> None:
    other = HarnessVLM(pretrained=str(tiny_model), device="cpu", seed=6)
    other.task_dict = vlm.task_dict
    assert _answers(other, 8, list(range(8))) != _answers(vlm, 8, list(range(8)))
