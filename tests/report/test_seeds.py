import numpy as np
import pandas as pd
import pytest
from scipy import stats

from harness.report.seeds import seed_table, to_markdown


def _run(mean: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {"benchmark": np.repeat(["b1", "b2"], 200), "score": (rng.random(400) < mean).astype(float)}
    )


def test_arms_are_compared_by_their_per_seed_scores() -> None:
    runs = {f"a{i}": _run(0.5, i) for i in range(3)} | {f"b{i}": _run(0.6, 10 + i) for i in range(3)}
    table = seed_table({"A": ["a0", "a1", "a2"], "B": ["b0", "b1", "b2"]}, runs)
    row = table.query("benchmark == 'b1'").iloc[0]
    a = [runs[f"a{i}"].query("benchmark == 'b1'").score.mean() for i in range(3)]
    b = [runs[f"b{i}"].query("benchmark == 'b1'").score.mean() for i in range(3)]
    assert row.p == pytest.approx(stats.ttest_ind(b, a, equal_var=False).pvalue)
    assert set(table.benchmark) == {"b1", "b2", "macro"}
    assert "Seed-level" in to_markdown(table)


def test_two_seeds_are_reported_but_not_tested() -> None:
    runs = {n: _run(0.5, i) for i, n in enumerate(["a0", "a1", "b0", "b1"])}
    table = seed_table({"A": ["a0", "a1"], "B": ["b0", "b1"]}, runs)
    assert table.p.isna().all() and (table.note != "").all()
    with pytest.raises(ValueError, match="no run called zz"):
        seed_table({"A": ["a0"], "B": ["zz"]}, runs)
