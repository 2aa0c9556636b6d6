"""Scoring a pool in shards: one slice of the items per process or per cluster job, merged after.

`--shard i/N` (0 <= i < N) scores the items whose id hashes to i modulo N, in its own run folder
`OUT/shards/<i>-of-<N>/` (own settings, log and table, resumable like any run). An item's shard
depends on its id only, so the N shards cover the pool exactly once whatever order the data comes
in. `merge` joins the N tables into `OUT/difficulty.parquet` and refuses shards run with other
settings, a missing or unfinished shard, or an item scored twice. `--processes N` runs the N shards
as N local processes (one GPU each when there are N) and merges them.

Every unit is seeded by its own (item, λ, k) and sampled from its own seed, so a sharded run gives
exactly the table of the unsharded one.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pandas as pd

from harness.core.errors import InputError
from harness.core.files import atomic_write, atomic_write_json

SHARDS_DIR = "shards"
_SHARD = re.compile(r"(\d+)/(\d+)")


def parse_shard(text: str) -> tuple[int, int]:
    """`"i/N"` as (i, N), 0 <= i < N; InputError naming --shard otherwise."""
    match = _SHARD.fullmatch(text.strip())
    if not match or not int(match.group(1)) < int(match.group(2)):
        raise InputError(f"--shard: {text!r} is not i/N with 0 <= i < N (e.g. 0/8 ... 7/8)")
    return int(match.group(1)), int(match.group(2))


def in_shard(item_id: str, index: int, count: int) -> bool:
    digest = hashlib.sha256(str(item_id).encode()).digest()
    return int.from_bytes(digest[:8], "little") % count == index


def shard_of(docs: list[dict[str, Any]], prompts: list[str], index: int, count: int) -> tuple[list, list]:
    """The documents (and their prompts) of shard `index` of `count`."""
    keep = [i for i, d in enumerate(docs) if in_shard(str(d["item_id"]), index, count)]
    return [docs[i] for i in keep], [prompts[i] for i in keep]


def shard_dir(out: Path, index: int, count: int) -> Path:
    return Path(out) / SHARDS_DIR / f"{index}-of-{count}"


def merge(out: Path, kind: str) -> pd.DataFrame:
    """The shards' tables under `out` joined into `out/difficulty.parquet` (see the module docstring)."""
    out = Path(out)
    folders = sorted((out / SHARDS_DIR).glob("*-of-*"))
    if not folders:
        raise InputError(f"{out}: no {SHARDS_DIR}/<i>-of-<N> folders to merge")
    counts = {int(f.name.split("-of-")[1]) for f in folders}
    if len(counts) != 1:
        raise InputError(f"{out}: shards of different counts ({sorted(counts)}): one run per count")
    count = counts.pop()
    missing = [i for i in range(count) if not (shard_dir(out, i, count) / "difficulty.parquet").exists()]
    if missing:
        raise InputError(f"{out}: shard(s) {missing} of {count} have not finished (no difficulty.parquet)")
    settings: dict[str, Any] | None = None
    tables = []
    for i in range(count):
        folder = shard_dir(out, i, count)
        ident = {k: v for k, v in json.loads((folder / "config.json").read_text()).items() if k != "shard"}
        if settings is None:
            settings = ident
        elif ident != settings:
            changed = sorted(k for k in set(ident) | set(settings) if ident.get(k) != settings.get(k))
            raise InputError(f"{folder}: this {kind} shard ran with other settings than shard 0 ({changed})")
        tables.append(pd.read_parquet(folder / "difficulty.parquet"))
    table = pd.concat(tables, ignore_index=True).sort_values("item_id").reset_index(drop=True)
    dup = table["item_id"][table["item_id"].duplicated()]
    if len(dup):
        raise InputError(f"{out}: item {dup.iloc[0]!r} was scored by two shards")
    atomic_write_json(out / "config.json", {**(settings or {}), "merged_shards": count})
    atomic_write(out / "difficulty.parquet", lambda tmp: table.to_parquet(tmp, index=False))
    return table
