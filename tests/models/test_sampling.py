"""Seeded Gumbel-max sampling is sampling: its draws follow softmax(l / T) (within the top-p nucleus)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.stats import chisquare

from harness.models.sampling import GumbelNoise, row_seed, seeded_sampling

LOGITS = torch.tensor([2.0, 1.0, 0.5, 0.0, -1.0, -3.0])


def _draws(n: int, temperature: float, top_p: float | None = None) -> np.ndarray:
    """n draws, one row per seed, in batches of 500 rows (the batch must not matter)."""
    out = []
    for start in range(0, n, 500):
        seeds = [row_seed(0, f"unit-{i}") for i in range(start, min(start + 500, n))]
        scores = LOGITS.repeat(len(seeds), 1)
        perturbed = seeded_sampling(seeds, temperature, top_p)(
            torch.zeros((len(seeds), 1), dtype=torch.long), scores
        )
        out.append(perturbed.argmax(dim=1).numpy())
    return np.concatenate(out)


@pytest.mark.parametrize("temperature", [0.7, 1.0, 1.5])
def test_draws_follow_the_tempered_softmax(temperature: float) -> None:
    n = 8_000
    counts = np.bincount(_draws(n, temperature), minlength=len(LOGITS))
    expected = torch.softmax(LOGITS.double() / temperature, dim=0).numpy() * n
    keep = expected >= 5  # chi-square needs expected counts of 5 or more; pool the rest
    observed, wanted = counts[keep], expected[keep]
    if (~keep).any():
        observed, wanted = np.append(observed, counts[~keep].sum()), np.append(wanted, expected[~keep].sum())
    assert chisquare(observed, wanted).pvalue > 1e-3, (counts, expected.round())


def test_top_p_samples_only_the_nucleus_in_its_proportions() -> None:
    n = 8_000
    probs = torch.softmax(LOGITS.double(), dim=0).numpy()  # 0.56, 0.21, 0.13, ...: top_p 0.7 keeps two
    counts = np.bincount(_draws(n, 1.0, top_p=0.7), minlength=len(LOGITS))
    assert counts[2:].sum() == 0
    nucleus = probs[:2] / probs[:2].sum() * n
    assert chisquare(counts[:2], nucleus).pvalue > 1e-3


def test_a_row_depends_on_its_seed_only() -> None:
    seeds = [row_seed(3, k) for k in ("a", "b", "c")]
    alone = GumbelNoise(seeds[1:2])(torch.zeros((1, 1), dtype=torch.long), LOGITS[None].clone())
    together = GumbelNoise(seeds)(torch.zeros((3, 1), dtype=torch.long), LOGITS.repeat(3, 1))
    torch.testing.assert_close(alone[0], together[1], rtol=0, atol=0)
    assert row_seed(3, "a") != row_seed(4, "a") and row_seed(3, "a") == seeds[0]
    with pytest.raises(ValueError, match="temperature > 0"):
        seeded_sampling(seeds, 0.0)
