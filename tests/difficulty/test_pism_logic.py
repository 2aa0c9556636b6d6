from __future__ import annotations

import random

import pytest

from harness.difficulty.pism import (
    ItemState,
    PISMConfig,
    TierThresholds,
    exhaustive_units,
    lambda_star,
    summarise,
    tier,
)

CFG = PISMConfig()
RATIOS = CFG.ratios


def curve_of(*values: float) -> dict[float, float]:
    return dict(zip(RATIOS, values, strict=False))


@pytest.mark.parametrize(
    ("curve", "lam"),
    [
        (curve_of(1, 1, 1, 1, 1, 1, 1, 1, 1, 1), None),
        (curve_of(0.0, 1, 1, 1, 1, 1, 1, 1, 1, 1), 0.0),
        (curve_of(0.1, 0.1, 0.0, 0.5, 0, 0, 0, 0, 0, 0), 0.2),  # non-monotone: the smallest counts
        (curve_of(1, 0.9, 0.09, 1, 1, 1, 1, 1, 1, 1), 0.2),
    ],
)
def test_lambda_star(curve: dict[float, float], lam: float | None) -> None:
    assert lambda_star(curve, 0.1) == lam


TEXT = TierThresholds()
TABLE_A = TierThresholds(convention="table_a")


@pytest.mark.parametrize(
    ("lam", "text", "table_a"),
    [
        (0.0, "unsolved", "unsolved"),
        (0.1, "hard", "hard"),
        (0.4, "hard", "hard"),
        (0.5, "medium", "medium"),
        (0.6, "medium", "medium"),
        (0.7, "easy", "medium"),
        (0.8, "easy", "easy"),
        (0.9, "easy", "easy"),
        (None, "easy", "easy"),
    ],
)
def test_tier_boundaries_under_both_conventions(lam: float | None, text: str, table_a: str) -> None:
    assert tier(lam, TEXT) == text
    assert tier(lam, TABLE_A) == table_a


def test_config_validation() -> None:
    with pytest.raises(ValueError):
        PISMConfig(ratios=(0.1, 0.2))
    with pytest.raises(ValueError):
        TierThresholds(convention="other")
    assert PISMConfig().successes_needed == 1
    assert PISMConfig(tau=0.3).successes_needed == 3


def _oracle(seed: int, skill: float):
    """A fixed random answer for every (item, λ, k): what per-unit seeding guarantees."""

    def correct(item: str, ratio: float, k: int) -> bool:
        return random.Random(f"{seed}:{item}:{ratio}:{k}").random() < skill * (1 - ratio)

    return correct


@pytest.mark.parametrize("tau", [0.1, 0.3])
@pytest.mark.parametrize("wave", [1, 3])
def test_adaptive_schedule_equals_exhaustive_sweep(tau: float, wave: int) -> None:
    cfg = PISMConfig(tau=tau)
    items = [f"item{i}" for i in range(200)]
    skills = {item: random.Random(item).random() for item in items}
    oracle = _oracle(0, 1.0)

    def answer(item: str, ratio: float, k: int) -> bool:
        return oracle(item, ratio, k) if skills[item] > 0.15 else False

    exhaustive = {}
    for item in items:
        state = ItemState(item)
        for ratio, k in exhaustive_units(cfg):
            state.record(ratio, k, answer(item, ratio, k))
        exhaustive[item] = summarise(state, cfg)

    adaptive, spent = {}, 0
    for item in items:
        state = ItemState(item)
        while units := state.next_units(cfg, wave):
            for ratio, k in units:
                state.record(ratio, k, answer(item, ratio, k))
        adaptive[item] = summarise(state, cfg)
        spent += state.generations()

    for item in items:
        for key in ("pism_lambda_star", "pism_tier", "pism_never_fails"):
            assert adaptive[item][key] == exhaustive[item][key], item
        # The exhaustive sweep's curve agrees with its own λ*.
        curve = dict(zip(cfg.ratios, exhaustive[item]["pism_curve"], strict=True))
        assert lambda_star(curve, tau) == exhaustive[item]["pism_lambda_star"]
    full = len(items) * len(exhaustive_units(cfg))
    assert spent < full
    if tau == 0.1 and wave == 1:  # the default: stop at the first success, at the first all-fail
        assert spent * 4 <= full


def test_undecided_item_cannot_be_summarised() -> None:
    state = ItemState("x")
    with pytest.raises(ValueError, match="not decided"):
        summarise(state, CFG)
    assert state.next_units(CFG) == [(0.0, 0)]


def test_survival_curve_and_plot(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import pandas as pd

    from harness.difficulty.plots import plot_pism, survival

    table = pd.DataFrame(
        {
            "item_id": ["a", "b", "c", "d"],
            "pism_lambda_star": [0.0, 0.2, 0.5, None],
            "pism_tier": ["unsolved", "hard", "medium", "easy"],
        }
    )
    surv = survival(table, CFG).set_index("ratio")["surviving"]
    # Unsolved items are left out; at λ=0 all three solved items survive, at 0.2 item b has failed.
    assert surv[0.0] == 1.0 and surv[0.1] == 1.0
    assert (
        surv[0.2] == pytest.approx(2 / 3)
        and surv[0.5] == pytest.approx(1 / 3)
        and surv[0.9] == pytest.approx(1 / 3)
    )
    assert plot_pism(table, CFG, tmp_path).exists()


def test_an_unscored_attempt_is_never_a_failure() -> None:
    """A judge-needed answer without a judge is unscored (None). It used to be read as wrong
    (`score == 1.0`), which made an item that the model may well solve "unsolved"."""
    from harness.difficulty.pism_runner import unit_outcome

    assert (unit_outcome(None), unit_outcome(1.0), unit_outcome(0.0), unit_outcome(0.5)) == (
        None,
        True,
        False,
        False,
    )
    state = ItemState("judge-needed")
    state.record(0.0, 0, None)
    assert state.next_units(CFG) == []  # no more attempts: the decision cannot be made
    row = summarise(state, CFG)
    assert row["pism_tier"] == "unscored" and row["pism_lambda_star"] is None and not row["pism_never_fails"]
    # An unscored attempt after the decision is never read: passing at 0.0 on its first attempt.
    later = ItemState("decided-first")
    later.record(0.0, 0, True)
    later.record(0.0, 1, None)
    assert later.next_units(CFG) == [(0.1, 0)]


@pytest.mark.parametrize("wave", [1, 3])
def test_adaptive_equals_exhaustive_with_unscored_attempts(wave: int) -> None:
    items = [f"item{i}" for i in range(200)]

    def answer(item: str, ratio: float, k: int) -> bool | None:
        r = random.Random(f"{item}:{ratio}:{k}").random()
        return None if r < 0.03 else r < 0.9 * (1 - ratio)

    exhaustive, adaptive = {}, {}
    for item in items:
        state = ItemState(item)
        for ratio, k in exhaustive_units(CFG):
            state.record(ratio, k, answer(item, ratio, k))
        exhaustive[item] = summarise(state, CFG)
        state = ItemState(item)
        while units := state.next_units(CFG, wave):
            for ratio, k in units:
                state.record(ratio, k, answer(item, ratio, k))
        adaptive[item] = summarise(state, CFG)
    for item in items:
        for key in ("pism_lambda_star", "pism_tier", "pism_never_fails"):
            assert adaptive[item][key] == exhaustive[item][key], item
    tiers = [row["pism_tier"] for row in adaptive.values()]
    assert 0 < tiers.count("unscored") < len(items)


def test_speculative_units_alternate_more_attempts_and_higher_ratios() -> None:
    from harness.difficulty.pism import ItemState, PISMConfig

    cfg = PISMConfig(ratios=(0.0, 0.5, 0.9), k=4, tau=0.25)
    state = ItemState("x")
    state.record(0.0, 0, True)  # λ = 0 passes; λ = 0.5 is next
    planned = state.next_units(cfg)
    assert planned == [(0.5, 0)]
    assert state.speculative_units(cfg, planned, 4) == [(0.5, 1), (0.9, 0), (0.5, 2), (0.5, 3)]
    assert state.speculative_units(cfg, planned, 0) == [] and state.speculative_units(cfg, [], 3) == []
