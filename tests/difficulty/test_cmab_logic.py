"""ρ̄ under both definitions on hand-made attention masses; tier boundaries; agreement."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from harness.difficulty.agreement import tier_agreement
from harness.difficulty.cmab import CMABConfig, cmab_tier, released_layer_index, rho_paper, rho_released
from harness.models.attention import AnswerAttention


def _att(
    image: list[list[float]], text: list[list[float]], pre: list[list[float]] | None = None
) -> AnswerAttention:
    masses = np.stack([np.array(image), np.array(text), np.array(pre if pre else text)], axis=-1)
    return AnswerAttention(masses, n_image=4, n_text=10, n_pre_text=5)


def test_rho_paper_drops_first_and_last_layer_and_averages_geometrically() -> None:
    # 4 layers x 2 tokens; layers 1 and 4 (1-indexed) are ignored whatever they hold.
    image = [[9.0, 9.0], [0.2, 0.1], [0.8, 0.4], [9.0, 9.0]]
    text = [[0.1, 0.1], [0.4, 0.4], [0.4, 0.4], [0.1, 0.1]]
    # token 1: sqrt(0.5 * 2) = 1; token 2: sqrt(0.25 * 1) = 0.5; mean 0.75
    assert rho_paper(_att(image, text), eps=0.0) == pytest.approx(0.75)
    assert rho_paper(_att(image, text)) == pytest.approx(0.75, rel=1e-6)


def test_rho_paper_epsilon_keeps_zero_image_attention_finite() -> None:
    att = _att([[0.0], [0.0], [0.0]], [[1.0], [1.0], [1.0]])
    assert rho_paper(att) == pytest.approx(1e-8)
    assert math.isnan(rho_paper(AnswerAttention(np.zeros((4, 0, 3)), 4, 10, 5)))


def test_rho_paper_needs_three_layers() -> None:
    with pytest.raises(ValueError, match="at least 3"):
        rho_paper(_att([[0.1], [0.1]], [[0.1], [0.1]]))


def test_released_code_ratio_of_per_token_means_at_one_layer() -> None:
    image = [[0.0, 0.0], [0.4, 0.8], [0.0, 0.0]]
    text = [[1.0, 1.0], [1.0, 1.0], [1.0, 1.0]]
    pre = [[0.0, 0.0], [0.5, 0.5], [0.0, 0.0]]
    # sum_t image/4 = 0.3; sum_t pre/5 = 0.2; ratio 1.5
    assert rho_released(_att(image, text, pre), layer=1) == pytest.approx(1.5)
    assert released_layer_index(28) == 20 and released_layer_index(4) == 3
    with pytest.raises(ValueError):
        released_layer_index(4, 7)


@pytest.mark.parametrize(
    ("rho", "tier"),
    [
        (0.4, "hard"), (1.6, "hard"), (1.0, "hard"),
        (0.3999, "medium"), (0.1, "medium"), (1.6001, "medium"), (1.9, "medium"),
        (0.0999, "easy"), (1.9001, "easy"), (25.0, "easy"), (1e-8, "easy"),
    ],
)  # fmt: skip
def test_tier_boundaries(rho: float, tier: str) -> None:
    assert cmab_tier(rho, correct=True) == tier
    assert cmab_tier(rho, correct=False) == "unsolved"


def test_thresholds_must_nest() -> None:
    with pytest.raises(ValueError, match="nest"):
        CMABConfig(hard=(0.05, 1.6))
    with pytest.raises(ValueError, match="variant"):
        CMABConfig(variant="other")


def _table(col: str, tiers: list[str], hashes: list[str] | None = None) -> pd.DataFrame:
    ids = [f"i{n}" for n in range(len(tiers))]
    return pd.DataFrame({"item_id": ids, "content_hash": hashes or ids, col: tiers})


def test_agreement_confusion_and_kappa() -> None:
    pism = _table("pism_tier", ["easy", "easy", "hard", "unsolved", "medium", "hard"])
    cmab = _table("cmab_tier", ["easy", "medium", "hard", "unsolved", "medium", "easy"])
    result = tier_agreement(pism, cmab, "pism_tier", "cmab_tier")
    assert result.n == 6 and int(np.trace(result.confusion.to_numpy())) == 4
    # κ = (p_o - p_e) / (1 - p_e): p_o = 4/6; marginals pism (2,1,2,1), cmab (2,2,1,1) over 6
    p_e = (2 * 2 + 1 * 2 + 2 * 1 + 1 * 1) / 36
    assert result.kappa == pytest.approx((4 / 6 - p_e) / (1 - p_e))
    assert "Cohen's κ" in result.to_markdown("PISM", "CMAB")
    perfect = tier_agreement(pism, pism.rename(columns={"pism_tier": "cmab_tier"}), "pism_tier", "cmab_tier")
    assert perfect.kappa == pytest.approx(1.0)


def test_agreement_refuses_mismatched_content_and_disjoint_items() -> None:
    pism = _table("pism_tier", ["easy", "hard"])
    with pytest.raises(ValueError, match="different content"):
        tier_agreement(pism, _table("cmab_tier", ["easy", "hard"], ["x", "i1"]), "pism_tier", "cmab_tier")
    other = _table("cmab_tier", ["easy"]).assign(item_id=["zz"])
    with pytest.raises(ValueError, match="share no items"):
        tier_agreement(pism, other, "pism_tier", "cmab_tier")


def test_an_unscored_answer_gives_the_unscored_tier_not_unsolved() -> None:
    from harness.difficulty.cmab_runner import cmab_table

    base = {"rho_paper": 1.0, "rho_released": 1.0, "answer_tokens": 3}
    items = [{**base, "item_id": "a", "correct": None}, {**base, "item_id": "b", "correct": False},
             {**base, "item_id": "c", "correct": True}]  # fmt: skip
    table = cmab_table(items, CMABConfig()).set_index("item_id")
    assert table["cmab_tier"].to_dict() == {"a": "unscored", "b": "unsolved", "c": "hard"}
    assert table.loc["a", "cmab_correct"] is None


def test_agreement_leaves_unscored_items_out_and_says_so() -> None:
    first = _table("pism_tier", ["easy", "hard", "unscored", "medium"])
    second = _table("cmab_tier", ["easy", "hard", "hard", "unscored"])
    agreement = tier_agreement(first, second, "pism_tier", "cmab_tier")
    assert (agreement.n, agreement.unscored, agreement.only_first, agreement.only_second) == (2, 2, 0, 0)
    assert int(agreement.confusion.to_numpy().sum()) == 2
    assert "2 unscored by either" in agreement.to_markdown("PISM", "CMAB")
