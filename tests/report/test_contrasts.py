import math

import numpy as np
import pandas as pd
import pytest

from harness.report.contrasts import MACRO, Contrast, contrast_table, reading, to_markdown

ITEMS = 600
# Per-item chance of a right answer, shared by every checkpoint: items differ in difficulty.
EASE = np.random.default_rng(99).uniform(0.2, 0.8, size=(2, ITEMS))


def _run(shift: float, seed: int) -> pd.DataFrame:
    """One checkpoint's records on two benchmarks; `shift` moves every item's chance."""
    rng = np.random.default_rng(seed)
    frames = []
    for b in range(2):
        score = (rng.random(ITEMS) < np.clip(EASE[b] + shift, 0, 1)).astype(float)
        ids = [f"b{b}-{i:04d}" for i in range(ITEMS)]
        frames.append(pd.DataFrame({"task": f"t{b}", "benchmark": f"b{b}", "item_id": ids,
                                    "content_hash": ids, "score": score}))  # fmt: skip
    return pd.concat(frames, ignore_index=True)


def _arms(
    ref_shifts: list[float], arm_shifts: list[float]
) -> tuple[dict[str, list[str]], dict[str, pd.DataFrame]]:
    runs = {f"r{i}": _run(s, i) for i, s in enumerate(ref_shifts)}
    runs |= {f"a{i}": _run(s, 100 + i) for i, s in enumerate(arm_shifts)}
    return {
        "ref": [f"r{i}" for i in range(len(ref_shifts))],
        "arm": [f"a{i}" for i in range(len(arm_shifts))],
    }, runs


def test_a_better_recipe_shows_at_both_levels() -> None:
    arms, runs = _arms([0.0, 0.0, 0.0], [0.12, 0.12, 0.12])
    table = contrast_table([Contrast("selection", "ref", "arm")], arms, runs, n_resamples=2000)
    assert list(table.benchmark) == ["b0", "b1", MACRO]
    macro = table.set_index("benchmark").loc[MACRO]
    assert macro.seed_low > 0 and macro.item_low > 0
    assert macro.reading.startswith("the recipe differs: arm is above ref")
    # The macro's item-level delta is the mean of the benchmarks' (each benchmark weighs the same).
    assert macro.item_delta == pytest.approx(table.item_delta[:2].mean())
    assert (table.seed_p_holm[:2] >= table.seed_p[:2]).all()


def test_seed_noise_is_not_read_as_a_recipe_effect() -> None:
    """The arm's seeds happen to land higher than the reference's, each seed far from the next:
    the items tell these six checkpoints apart, the seeds do not tell the recipes apart."""
    arms, runs = _arms([-0.12, 0.0, 0.06], [-0.06, 0.06, 0.12])
    macro = contrast_table([Contrast("c", "ref", "arm")], arms, runs, n_resamples=2000).iloc[-1]
    assert macro.item_p_holm < 0.05 and macro.seed_p_holm > 0.05
    assert macro.reading.startswith("these checkpoints differ on these items")
    assert "not shown to be the recipe" in macro.reading


def test_two_seeds_give_item_level_only() -> None:
    arms, runs = _arms([0.0, 0.0], [0.0, 0.0])
    table = contrast_table([Contrast("c", "ref", "arm")], arms, runs, n_resamples=500)
    assert table.seed_p.isna().all()
    assert all("nothing about the recipe" in r for r in table.reading)
    assert "### c: arm − ref" in to_markdown(table)
    with pytest.raises(ValueError, match="no arm called 'zz'"):
        contrast_table([Contrast("c", "ref", "zz")], arms, runs)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ({"seed_p_holm": 0.01, "item_p_holm": 0.001, "seed_delta": -0.05, "seed_low": -0.08, "seed_high": -0.02},
         "the recipe differs: A is below R across seeds (-5.0 [-8.0, -2.0])"),
        ({"seed_p_holm": 0.4, "item_p_holm": 0.001, "seed_delta": 0.02, "seed_low": -0.03, "seed_high": 0.07,
          "item_delta": 0.02}, "these checkpoints differ on these items (+2.0), but not beyond seed-to-seed "
         "variation: not shown to be the recipe (seed-level CI up to ±7.0)"),
        ({"seed_p_holm": 0.4, "item_p_holm": 0.3, "seed_delta": 0.0, "seed_low": -0.04, "seed_high": 0.03},
         "no difference shown at either level; the seeds leave up to ±4.0 points possible"),
        ({"seed_p_holm": math.nan, "item_p_holm": 0.3},
         "no item-level difference; fewer than 3 seeds an arm, so nothing about the recipe"),
    ],
)  # fmt: skip
def test_reading(row: dict[str, float], expected: str) -> None:
    assert reading({"arm": "A", "reference": "R", **row}) == expected
