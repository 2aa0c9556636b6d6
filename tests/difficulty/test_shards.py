"""Shards: every item in exactly one, and a merge that refuses what does not belong together."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from harness.core.errors import InputError
from harness.difficulty.shards import in_shard, merge, parse_shard, shard_dir


def test_parse_shard() -> None:
    assert parse_shard("0/8") == (0, 8) and parse_shard(" 7/8 ") == (7, 8)
    for bad in ("8/8", "1", "-1/2", "a/b", "1/0"):
        with pytest.raises(InputError, match="--shard"):
            parse_shard(bad)


def test_every_item_is_in_exactly_one_shard() -> None:
    ids = [f"item-{i}" for i in range(500)]
    for count in (1, 3, 8):
        owners = [[i for i in range(count) if in_shard(item, i, count)] for item in ids]
        assert all(len(o) == 1 for o in owners)
        sizes = pd.Series([o[0] for o in owners]).value_counts()
        assert sizes.min() > 0.5 * len(ids) / count  # roughly balanced


def _shard(out: Path, i: int, n: int, items: list[str], **settings: object) -> None:
    folder = shard_dir(out, i, n)
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(
        json.dumps({"model": "m", "seed": 0, **settings, "shard": f"{i}/{n}"})
    )
    pd.DataFrame({"item_id": items, "pism_tier": "easy"}).to_parquet(folder / "difficulty.parquet")


def test_merge_joins_the_shards(tmp_path: Path) -> None:
    _shard(tmp_path, 0, 2, ["b", "a"])
    _shard(tmp_path, 1, 2, ["c"])
    table = merge(tmp_path, "PISM")
    assert table["item_id"].tolist() == ["a", "b", "c"]
    assert pd.read_parquet(tmp_path / "difficulty.parquet")["item_id"].tolist() == ["a", "b", "c"]
    assert json.loads((tmp_path / "config.json").read_text()) == {"model": "m", "seed": 0, "merged_shards": 2}


@pytest.mark.parametrize(
    ("shards", "match"),
    [
        ([(0, 2, ["a"], {}), (1, 2, ["b"], {"seed": 1})], r"other settings .*seed"),
        ([(0, 2, ["a"], {})], r"shard\(s\) \[1\] of 2 have not finished"),
        ([(0, 2, ["a"], {}), (1, 2, ["a"], {})], "scored by two shards"),
        ([(0, 2, ["a"], {}), (0, 3, ["b"], {})], "different counts"),
    ],
)
def test_merge_refuses(
    tmp_path: Path, shards: list[tuple[int, int, list[str], dict[str, object]]], match: str
) -> None:
    for i, n, items, settings in shards:
        _shard(tmp_path, i, n, items, **settings)
    with pytest.raises(InputError, match=match):
        merge(tmp_path, "PISM")
    assert not (tmp_path / "difficulty.parquet").exists()


def test_nothing_to_merge(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no shards"):
        merge(tmp_path, "PISM")
