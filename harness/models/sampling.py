"""Sampling that does not depend on the batch: every row draws its randomness from its own seed.

`torch.manual_seed` before a batched `generate(do_sample=True)` ties each row's tokens to the whole
batch (one generator feeds every row, in batch order), so the same unit answers differently at batch
1 and batch 16, or when the schedule puts it beside other units. Here sampling is greedy decoding
over perturbed logits (the Gumbel-max trick): with G_v independent standard Gumbel noise,
argmax_v(l_v / T + G_v) is distributed exactly as softmax(l / T), so picking the arg-max of
temperature-scaled (and top-p-filtered) logits plus noise *is* sampling at temperature T from the
nucleus. Each row's noise comes from a generator seeded by that row's own seed and advanced once
per step, so a row's tokens depend only on its seed and its own logits, whatever batch it is in.

transformers' own warpers scale and filter the logits (`TemperatureLogitsWarper`,
`TopPLogitsWarper`, row-wise); this module adds only the per-row noise.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import cast

import torch
from transformers import LogitsProcessor, LogitsProcessorList, TemperatureLogitsWarper, TopPLogitsWarper


def row_seed(seed: int, key: str) -> int:
    """A 63-bit seed for one unit: the run's seed and the unit's own key, never its batch."""
    return int.from_bytes(hashlib.sha256(f"{seed}|{key}".encode()).digest()[:8], "little") >> 1


class GumbelNoise(LogitsProcessor):
    """Adds standard Gumbel noise to each row's scores from that row's own generator."""

    def __init__(self, seeds: Sequence[int]) -> None:
        self.seeds = list(seeds)
        self._generators: list[torch.Generator] | None = None

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        if len(self.seeds) != scores.shape[0]:
            raise ValueError(f"GumbelNoise: {len(self.seeds)} seeds for a batch of {scores.shape[0]} rows")
        if self._generators is None:  # on the scores' device, at the first step
            self._generators = [torch.Generator(device=scores.device).manual_seed(s) for s in self.seeds]
        vocab = scores.shape[1]
        tiny = torch.finfo(torch.float32).tiny
        uniform = torch.stack(
            [
                torch.rand(vocab, generator=g, device=scores.device, dtype=torch.float32)
                for g in self._generators
            ]
        )
        noise = -torch.log(-torch.log(uniform.clamp_min(tiny)))
        return cast(torch.FloatTensor, scores.float() + noise)


def seeded_sampling(
    seeds: Sequence[int], temperature: float, top_p: float | None = None
) -> LogitsProcessorList:
    """Logits processors that turn greedy decoding (`do_sample=False`) into per-row seeded sampling at
    `temperature` from the top-p nucleus (see the module docstring)."""
    if temperature <= 0:
        raise ValueError(f"seeded sampling needs a temperature > 0, got {temperature}")
    processors: list[LogitsProcessor] = [TemperatureLogitsWarper(temperature)]
    if top_p is not None and top_p < 1.0:
        processors.append(TopPLogitsWarper(top_p))
    processors.append(GumbelNoise(seeds))
    return LogitsProcessorList(processors)
