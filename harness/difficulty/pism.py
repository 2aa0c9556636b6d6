"""PISM: Progressive Image Semantic Masking (docs/architecture.md §4) — curves, λ*, tiers, and the exact
adaptive schedule.

An item's difficulty is how much of its image can be hidden before the model stops solving it:
P_c(λ) is the share of K masked copies answered correctly at mask ratio λ, and λ* is the smallest
ratio with P_c(λ) < τ.

Exact shortcut: whether P_c(λ) < τ is settled as soon as enough attempts succeeded (pass) or too
many failed (fail), and λ* only needs ratios in increasing order up to the first failing one. With
per-(item, λ, k) seeds, attempts are the same whichever schedule runs them, so the adaptive
schedule gives exactly the exhaustive λ* and tier while generating far less.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from harness.core.constants import UNSCORED
from harness.difficulty.maskers import RATIOS


@dataclass(frozen=True)
class TierThresholds:
    """Tier boundaries on λ*.

    Paper text (default, `convention="text"`): hard if λ* ≤ 0.4; medium if 0.4 < λ* < 0.7; easy if
    λ* ≥ 0.7 or the item never fails. The paper's Table A puts λ* = 0.7 in medium
    (`convention="table_a"`: easy only if λ* > 0.7).
    """

    hard_max: float = 0.4
    easy_min: float = 0.7
    convention: str = "text"

    def __post_init__(self) -> None:
        if self.convention not in ("text", "table_a"):
            raise ValueError(f"unknown tier convention {self.convention!r} (text or table_a)")
        if not self.hard_max < self.easy_min:
            raise ValueError("hard_max must be below easy_min")


@dataclass(frozen=True)
class PISMConfig:
    """Everything that defines a PISM score (recorded with every difficulty table)."""

    ratios: tuple[float, ...] = RATIOS
    k: int = 10
    tau: float = 0.1
    temperature: float = 0.7
    masker: str = "rect"
    thresholds: TierThresholds = field(default_factory=TierThresholds)
    max_new_tokens: int = 48

    def __post_init__(self) -> None:
        if list(self.ratios) != sorted(set(self.ratios)) or not self.ratios:
            raise ValueError("ratios must be distinct and increasing")
        if self.ratios[0] != 0.0:
            raise ValueError("ratios must start at 0.0 (P_c(0) decides 'unsolved')")
        if not 0 < self.tau <= 1 or self.k < 1:
            raise ValueError("need 0 < tau <= 1 and k >= 1")

    @property
    def successes_needed(self) -> int:
        """Successes out of K for P_c(λ) >= τ (a ratio 'passes')."""
        return math.ceil(self.tau * self.k - 1e-9)


def ratio_decision(successes: int, attempts: int, cfg: PISMConfig) -> bool | None:
    """True (passes: P_c >= τ), False (fails), or None while the remaining attempts could change it."""
    need = cfg.successes_needed
    if successes >= need:
        return True
    if successes + (cfg.k - attempts) < need:
        return False
    return None


def lambda_star(curve: Mapping[float, float], tau: float) -> float | None:
    """Smallest λ with P_c(λ) < τ, or None if the item never fails."""
    for ratio in sorted(curve):
        if curve[ratio] < tau - 1e-12:
            return ratio
    return None


def tier(lam: float | None, thresholds: TierThresholds) -> str:
    """unsolved / hard / medium / easy from λ* (None = never fails)."""
    if lam is None:
        return "easy"
    if lam == 0.0:
        return "unsolved"
    if lam <= thresholds.hard_max + 1e-12:
        return "hard"
    if thresholds.convention == "text":
        return "easy" if lam >= thresholds.easy_min - 1e-12 else "medium"
    return "easy" if lam > thresholds.easy_min + 1e-12 else "medium"


Decision = bool | None | str  # pass, fail, undecided, or UNSCORED


@dataclass
class ItemState:
    """Attempt outcomes so far for one item: outcomes[λ][k] = correct? (None: the source task left
    that answer unscored)."""

    item_id: str
    outcomes: dict[float, dict[int, bool | None]] = field(default_factory=dict)

    def record(self, ratio: float, k: int, correct: bool | None) -> None:
        self.outcomes.setdefault(ratio, {})[k] = correct

    def decision_at(self, ratio: float, cfg: PISMConfig) -> Decision:
        """Pass/fail at a ratio from its attempts taken in order k = 0, 1, ... (gaps stop the scan).
        An unscored attempt that the decision needs makes it UNSCORED: an answer that could not be
        scored is neither a success nor a failure. Attempts after the decision are never read, so
        the adaptive and exhaustive schedules agree on it too."""
        got = self.outcomes.get(ratio, {})
        successes = 0
        for k in range(cfg.k):
            if k not in got:
                return ratio_decision(successes, k, cfg)
            if got[k] is None:
                return UNSCORED
            successes += bool(got[k])
            decided = ratio_decision(successes, k + 1, cfg)
            if decided is not None:
                return decided
        return ratio_decision(successes, cfg.k, cfg)

    def next_units(self, cfg: PISMConfig, wave: int = 1) -> list[tuple[float, int]]:
        """The next (λ, k) attempts the adaptive schedule needs (empty when the item is decided).

        The lowest undecided ratio gets its next `wave` attempts; ratios above it wait, since a
        failure here would make them irrelevant.
        """
        for ratio in cfg.ratios:
            decided = self.decision_at(ratio, cfg)
            if decided is False or decided == UNSCORED:
                return []
            if decided is None:
                got = self.outcomes.get(ratio, {})
                missing = [k for k in range(cfg.k) if k not in got]
                return [(ratio, k) for k in missing[:wave]]
        return []

    def speculative_units(
        self, cfg: PISMConfig, planned: list[tuple[float, int]], n: int
    ) -> list[tuple[float, int]]:
        """Up to `n` attempts beyond `planned` that the schedule may ask for next, for an engine that
        would otherwise idle: alternately more attempts at the undecided ratio (needed if those
        planned fail) and the first attempt at each higher ratio (needed if they succeed). Each unit
        has its own seed, so an extra attempt never changes λ*; it only costs its generation."""
        if not planned or n <= 0:
            return []
        ratio = planned[0][0]
        taken = set(planned) | {(r, k) for r, got in self.outcomes.items() for k in got}
        more = [(ratio, k) for k in range(cfg.k) if (ratio, k) not in taken]
        higher = [(r, 0) for r in cfg.ratios if r > ratio and (r, 0) not in taken]
        out: list[tuple[float, int]] = []
        while (more or higher) and len(out) < n:
            for source in (more, higher):
                if source and len(out) < n:
                    out.append(source.pop(0))
        return out

    def result(self, cfg: PISMConfig) -> tuple[float | None, bool]:
        """(λ*, decided) from the attempts so far, scanning ratios in order (λ* None when the item
        never fails, or when it is unscored: see `unscored`)."""
        for ratio in cfg.ratios:
            decided = self.decision_at(ratio, cfg)
            if decided is None:
                return None, False
            if decided == UNSCORED:
                return None, True
            if decided is False:
                return ratio, True
        return None, True

    def unscored(self, cfg: PISMConfig) -> bool:
        """Whether the λ* decision met an unscored attempt it needs."""
        for ratio in cfg.ratios:
            decided = self.decision_at(ratio, cfg)
            if decided is None or decided is False:
                return False
            if decided == UNSCORED:
                return True
        return False

    def curve(self, cfg: PISMConfig) -> list[float | None]:
        """P_c per ratio where all K attempts exist (exhaustive sweep), else None."""
        out: list[float | None] = []
        for ratio in cfg.ratios:
            got = self.outcomes.get(ratio, {})
            full = len(got) == cfg.k and all(v is not None for v in got.values())
            out.append(sum(bool(v) for v in got.values()) / cfg.k if full else None)
        return out

    def generations(self) -> int:
        return sum(len(v) for v in self.outcomes.values())


def exhaustive_units(cfg: PISMConfig) -> list[tuple[float, int]]:
    return [(ratio, k) for ratio in cfg.ratios for k in range(cfg.k)]


def summarise(state: ItemState, cfg: PISMConfig) -> dict[str, object]:
    """The difficulty-table row of one decided item."""
    lam, decided = state.result(cfg)
    if not decided:
        raise ValueError(f"item_id={state.item_id!r}: PISM not decided yet")
    curve = state.curve(cfg)
    unscored = state.unscored(cfg)
    return {
        "item_id": state.item_id,
        "pism_lambda_star": lam,
        "pism_never_fails": lam is None and not unscored,
        "pism_tier": UNSCORED if unscored else tier(lam, cfg.thresholds),
        "pism_curve": curve if all(c is not None for c in curve) else None,
        "pism_generations": state.generations(),
    }
