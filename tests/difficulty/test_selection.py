import json

import pandas as pd
import pytest

from harness.difficulty.selection import select, table_hash


def _table(n: int = 40) -> pd.DataFrame:
    tiers = ["easy", "medium", "hard", "unsolved"]
    return pd.DataFrame({"item_id": [f"i{k:02d}" for k in range(n)], "content_hash": "h",
                         "pism_tier": [tiers[k % 4] if k % 7 else "hard" for k in range(n)]})  # fmt: skip


def test_tier_policies_take_exactly_their_tiers() -> None:
    t = _table()
    sel = select(t, "mid+hard")
    assert set(t.set_index("item_id").loc[sel.item_ids, "pism_tier"]) == {"medium", "hard"}
    assert sel.counts == {"medium": (t.pism_tier == "medium").sum(), "hard": (t.pism_tier == "hard").sum()}
    assert select(t, "full").size == 40
    assert select(t, "unsolved").counts.keys() == {"unsolved"}


def test_random_controls_match_the_size_and_depend_only_on_the_seed() -> None:
    t = _table()
    target = select(t, "mid+hard")
    control = select(t, "random:mid+hard", seed=3)
    assert control.size == target.size and control.item_ids != target.item_ids
    assert select(t.sample(frac=1, random_state=1), "random:mid+hard", seed=3).item_ids == control.item_ids
    assert select(t, "random:mid+hard", seed=4).item_ids != control.item_ids


def test_manifest_names_policy_counts_seed_and_table(tmp_path) -> None:
    t = _table()
    path = select(t, "hard", seed=2).write(tmp_path / "selection.json")
    manifest = json.loads(path.read_text())
    assert (
        manifest["policy"] == "hard"
        and manifest["seed"] == 2
        and manifest["size"] == len(manifest["item_ids"])
    )
    assert manifest["table_hash"] == table_hash(t, "pism_tier")
    changed = t.assign(pism_tier=t.pism_tier.where(t.index != 0, "unsolved"))
    assert table_hash(changed, "pism_tier") != manifest["table_hash"]


def test_bad_requests_are_refused() -> None:
    t = _table()
    with pytest.raises(ValueError, match="unknown policy"):
        select(t, "medium-ish")
    with pytest.raises(ValueError, match="selects no items"):
        select(t.assign(pism_tier="easy"), "hard")
    with pytest.raises(ValueError, match="duplicate item_id"):
        select(pd.concat([t, t.iloc[:1]]), "full")


def test_unscored_items_are_counted_but_never_selected() -> None:
    t = _table()
    t.loc[t.index[:10], "pism_tier"] = "unscored"
    unscored = set(t.item_id[:10])
    assert not unscored & set(select(t, "full").item_ids)
    for seed in range(20):
        control = select(t, "random:full", seed=seed)
        assert control.size == select(t, "full").size and not unscored & set(control.item_ids)
    assert "unscored" not in select(t, "random:mid+hard").counts
