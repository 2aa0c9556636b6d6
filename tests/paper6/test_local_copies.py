"""Two different local copies of a benchmark (`--data-dir`) are two datasets: the second is read from
its own files, never from the `datasets` cache the first left behind (issue: a hub-style README
`configs:` block made both copies share one cache key, so the second copy's evaluation silently
scored the first copy's items, with the first copy's ids and hashes)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from harness.difficulty.source import load_source_docs
from harness.paper6.data import DATA_DIR_ENV, datasets_cache_env
from tests.paper6 import fixtures

# lmms-eval task loading in-process (seconds each): in `make test`, not in `make test-fast`.
pytestmark = pytest.mark.slow


def _second_copy(root: Path) -> Path:
    """The MMStar fixture with the first question changed (same layout, same file names)."""
    folder = fixtures.mmstar(root)
    path = folder / "mmstar.parquet"
    table = pq.read_table(path)
    questions = table.column("question").to_pylist()
    questions[0] = "Which colour is the ring?\nOptions: A: red, B: blue, C: green, D: yellow"
    table = table.set_column(table.schema.get_field_index("question"), "question", pa.array(questions))
    pq.write_table(table, path)
    return folder


def test_a_second_copy_is_read_from_its_own_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fixtures.mmstar(tmp_path / "first")
    _second_copy(tmp_path / "second")
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "first"))
    first, _ = load_source_docs("harness_mmstar")
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "second"))
    second, _ = load_source_docs("harness_mmstar")
    assert first[0]["question"].startswith("What colour is the circle?")
    assert second[0]["question"].startswith("Which colour is the ring?")
    assert first[0]["content_hash"] != second[0]["content_hash"]
    assert [d["content_hash"] for d in first[1:]] == [d["content_hash"] for d in second[1:]]


def test_the_cache_follows_the_files(tmp_path: Path) -> None:
    folder = fixtures.mmstar(tmp_path / "data")
    before = datasets_cache_env(tmp_path / "data")
    assert before == datasets_cache_env(tmp_path / "data")  # same files: the cache is reused
    (folder / "mmstar.parquet").write_bytes((folder / "mmstar.parquet").read_bytes() + b"")
    _second_copy(tmp_path / "data")
    assert datasets_cache_env(tmp_path / "data") != before


def test_evaluations_get_the_cache_of_their_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`harness eval` runs lmms-eval in a subprocess: its environment names the copy's cache."""
    from harness.evaluation.runner import _env

    fixtures.mmstar(tmp_path / "data")
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "data"))
    assert (
        _env()["LMMS_EVAL_DATASETS_CACHE"]
        == datasets_cache_env(tmp_path / "data")["LMMS_EVAL_DATASETS_CACHE"]
    )
