import numpy as np
import pandas as pd
import pytest

from harness.stats.align import align


def _run(scores: dict[str, float | None], **extra: object) -> pd.DataFrame:
    ids = list(scores)
    return pd.DataFrame(
        {
            "item_id": ids,
            "task": "t",
            "benchmark": "b",
            "content_hash": [f"h{i}" for i in ids],
            "score": list(scores.values()),
            "cluster": None,
            "pism_tier": ["easy", "hard", None, "easy", "hard"][: len(ids)],
            "gen_config_hash": "g",
            "task_version": "1",
            "judge": None,
            "meta": "{}",
            **extra,
        }
    )


def test_same_items_align_in_the_same_order() -> None:
    a = _run({"1": 1.0, "2": 0.0, "3": 1.0})
    b = _run({"3": 0.0, "1": 1.0, "2": 1.0})
    out = align({"A": a, "B": b}, "t")
    assert out.item_ids == ["1", "2", "3"]
    assert out.scores.tolist() == [[1.0, 0.0, 1.0], [1.0, 1.0, 0.0]]
    assert out.report.n_excluded == 0 and not out.report.warnings
    assert out.tiers["pism_tier"].tolist() == ["easy", "hard", "untiered"]


def test_missing_changed_and_unscored_items_are_reported_not_dropped_silently() -> None:
    a = _run({"1": 1.0, "2": 0.0, "3": 1.0, "4": 1.0})
    b = _run({"1": 1.0, "2": None, "3": 1.0, "5": 0.0})
    b.loc[b.item_id == "3", "content_hash"] = "other"
    out = align({"A": a, "B": b}, "t")
    assert out.item_ids == ["1"]
    r = out.report
    assert r.missing == {"A": ["5"], "B": ["4"]}
    assert r.changed == ["3"] and r.unscored == {"A": [], "B": ["2"]}
    assert r.n_excluded == 4
    text = "\n".join(r.lines())
    assert "different content" in text and "unscored" in text and "missing" in text


def test_incomparable_settings_are_warned_about() -> None:
    a = _run({"1": 1.0, "2": 0.0})
    b = _run({"1": 1.0, "2": 0.0}, gen_config_hash="other")
    out = align({"A": a, "B": b}, "t")
    assert any("gen_config_hash differs" in w for w in out.report.warnings)


def test_clusters_fall_back_to_the_item_itself() -> None:
    a = _run({"1": 1.0, "2": 0.0, "3": 1.0}, cluster=["s1", "s1", None])
    out = align({"A": a, "B": a.copy()}, "t")
    assert out.cluster is not None and out.cluster.tolist() == ["s1", "s1", "3"]
    assert np.array_equal(out.scores[0], out.scores[1])


def test_bad_inputs_are_refused() -> None:
    a = _run({"1": 1.0})
    with pytest.raises(ValueError, match="at least two"):
        align({"A": a}, "t")
    with pytest.raises(ValueError, match="duplicate item ids"):
        align({"A": pd.concat([a, a]), "B": a}, "t")
    with pytest.raises(ValueError, match="no records for this task"):
        align({"A": a, "B": a.assign(task="other")}, "t")
