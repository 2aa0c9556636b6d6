"""CMAB: Cross-Modality Attention Balance, from an answer's attention masses to ρ̄ and a tier.

docs/architecture.md §5. For answer token t and decoder layer l, ρ(l,t) = S_img / S_txt (heads averaged);
ρ_t = exp(mean over layers 2..L−1 (1-indexed) of log(ρ(l,t) + ε)); ρ̄ = mean over tokens of ρ_t.
A correctly answered item is *hard* when its attention is balanced (0.4 ≤ ρ̄ ≤ 1.6), *medium* when
near balance, *easy* otherwise; a wrongly answered item is *unsolved*.

`released_code` reproduces what the authors' released code computes instead, so the two can be
compared on the same items: one layer, the mean attention *per token* of each modality, "text"
being only the prompt tokens before the image, and a ratio of sums over answer tokens. (It also
used only the first reasoning step and an MCTS judge for solvability; here every answer token is
used and correctness comes from the benchmark's own scorer.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from harness.models.attention import AnswerAttention

VARIANTS = ("paper", "released_code")


@dataclass(frozen=True)
class CMABConfig:
    """How ρ̄ is computed and cut into tiers."""

    variant: str = "paper"
    eps: float = 1e-8
    # released_code's single layer, 0-based. None: the same relative depth as the code's layer
    # 20 of Qwen2.5-VL-7B's 28.
    released_layer: int | None = None
    hard: tuple[float, float] = (0.4, 1.6)  # inclusive on both ends
    medium: tuple[float, float] = (0.1, 1.9)  # [lo, hard_lo) or (hard_hi, hi]
    max_new_tokens: int = 64

    def __post_init__(self) -> None:
        if self.variant not in VARIANTS:
            raise ValueError(f"unknown CMAB variant {self.variant!r}; choose from {VARIANTS}")
        if not (self.medium[0] <= self.hard[0] <= self.hard[1] <= self.medium[1]):
            raise ValueError(f"CMAB thresholds must nest: medium {self.medium} around hard {self.hard}")


def rho_paper(att: AnswerAttention, eps: float = 1e-8) -> float:
    """ρ̄ as the paper defines it (NaN for an empty answer)."""
    layers = att.masses.shape[0]
    if att.masses.shape[1] == 0:
        return math.nan
    if layers < 3:
        raise ValueError(f"CMAB needs at least 3 decoder layers (it drops the first and last); got {layers}")
    mid = att.masses[1 : layers - 1]  # layers 2..L-1, 1-indexed
    rho = mid[..., 0] / mid[..., 1]  # (layers, tokens)
    rho_t = np.exp(np.mean(np.log(rho + eps), axis=0))
    return float(np.mean(rho_t))


def released_layer_index(n_layers: int, layer: int | None = None) -> int:
    index = round(20 * n_layers / 28) if layer is None else layer
    if not 0 <= index < n_layers:
        raise ValueError(f"released_code layer {index} outside 0..{n_layers - 1}")
    return index


def rho_released(att: AnswerAttention, layer: int | None = None) -> float:
    """The released code's ratio: Σ_t mean-per-image-token / Σ_t mean-per-pre-image-text-token."""
    if att.masses.shape[1] == 0 or att.n_image == 0 or att.n_pre_text == 0:
        return math.nan
    rows = att.masses[released_layer_index(att.masses.shape[0], layer)]
    return float((rows[:, 0] / att.n_image).sum() / (rows[:, 2] / att.n_pre_text).sum())


def rho(att: AnswerAttention, cfg: CMABConfig) -> float:
    if cfg.variant == "paper":
        return rho_paper(att, cfg.eps)
    return rho_released(att, cfg.released_layer)


def cmab_tier(rho_bar: float, correct: bool, cfg: CMABConfig = CMABConfig()) -> str:
    """The tier of one item (boundaries inclusive as docs/architecture.md §5 writes them)."""
    if not correct:
        return "unsolved"
    if math.isnan(rho_bar):
        raise ValueError("a correct answer with no tokens has no attention balance")
    (h_lo, h_hi), (m_lo, m_hi) = cfg.hard, cfg.medium
    if h_lo <= rho_bar <= h_hi:
        return "hard"
    if m_lo <= rho_bar < h_lo or h_hi < rho_bar <= m_hi:
        return "medium"
    return "easy"
