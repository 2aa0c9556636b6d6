from __future__ import annotations

from pathlib import Path

import datasets
import pytest

from harness.synth.datasets import SUITES, build_suite
from harness.synth.items import generate


def test_generation_is_deterministic() -> None:
    a = generate(["color", "count"], 6, seed=1)
    b = generate(["color", "count"], 6, seed=1)
    assert [(i.question, i.answer, i.image_png()) for i in a] == [
        (i.question, i.answer, i.image_png()) for i in b
    ]
    c = generate(["color", "count"], 6, seed=2)
    assert [i.image_png() for i in a] != [i.image_png() for i in c]


def test_built_suite_loads_with_datasets_and_is_reused(tmp_path: Path) -> None:
    path = build_suite("mini", root=tmp_path)
    ds = datasets.load_dataset("parquet", data_files={"test": str(path)})["test"]
    assert len(ds) == SUITES["mini"].n
    assert len(set(ds["item_id"])) == len(ds)
    assert ds[0]["image"].size == (112, 112)
    mtime = path.stat().st_mtime_ns
    assert build_suite("mini", root=tmp_path) == path and path.stat().st_mtime_ns == mtime


def test_unknown_suite() -> None:
    with pytest.raises(KeyError, match="unknown synthetic suite"):
        build_suite("nope")
