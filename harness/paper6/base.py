"""What the harness needs to know about one of the paper's six benchmarks.

Each benchmark module (mathvista.py, mmvet.py, ...) fills in one `Benchmark`: where its data lives,
how an item is identified and hashed, how it is prompted, which of its fields the scorer needs, how
a response is scored, and how records aggregate into the benchmark's own metrics. The lmms-eval
hooks (tasks.py), re-scoring and per-tier reports all read this one description, so a rule fixed in
one place applies everywhere.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from harness.scoring.verdict import JudgeLike, Verdict

Doc = Mapping[str, Any]
Fields = dict[str, Any]


@dataclass(frozen=True)
class Benchmark:
    """One benchmark. `fields(doc)` is everything `score` needs, stored in each record's meta, so a
    stored response can be re-scored later without the dataset (`harness rescore`)."""

    key: str
    task: str
    title: str
    hub_repo: str
    split: str
    size: int
    image_columns: tuple[str, ...]
    item_id: Callable[[Doc], str]
    identity_text: Callable[[Doc], str]
    target: Callable[[Doc], str]
    fields: Callable[[Doc], Fields]
    prompt: Callable[[Doc, Mapping[str, Any]], str]
    score: Callable[[str, Fields, JudgeLike | None], Verdict]
    cluster: Callable[[Doc], str | None] = lambda doc: None
    # Image columns a document shows the model, in order (default: every image column).
    visual_columns: Callable[[Doc], list[str]] | None = None
    # Ids built from content (the dataset has none): repeated items get "-2", "-3" in file order.
    derived_ids: bool = False
    # Extra metrics beyond the mean score, computed from records (e.g. HallusionBench fAcc, qAcc).
    extra_metrics: Callable[[pd.DataFrame], dict[str, float]] | None = None
    needs_judge: bool = False
    notes: tuple[str, ...] = field(default=())
    # The files of `split` when they are not the repository's own split (its task YAML's
    # `dataset_kwargs.data_files`): HallusionBench joins two hub splits into one.
    data_files: Mapping[str, tuple[str, ...]] | None = None

    @property
    def local_name(self) -> str:
        """Folder name of the dataset under a local data directory (the hub repo's name)."""
        return self.hub_repo.rsplit("/", 1)[-1]

    def load(self, path: str) -> Any:
        """The evaluated split of a local copy (or hub repo) at `path`, as the task loads it."""
        import datasets

        files = {k: list(v) for k, v in self.data_files.items()} if self.data_files else None
        return datasets.load_dataset(path, data_files=files)[self.split]


def item_label(doc: Doc) -> str:
    return repr(doc.get("item_id", "<no item_id>"))


def require(doc: Doc, name: str, where: str) -> Any:
    """A document field that must be present and not empty; the error names the item and field."""
    value = doc.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        who = f"item {item_label(doc)} has" if doc.get("item_id") else "document has"
        state = "an empty" if isinstance(value, str) else "no"
        raise ValueError(f"{where}: {who} {state} {name!r}")
    return value


def json_text(*parts: Any) -> str:
    """Stable text of the fields that define an item (for its content hash)."""
    return json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)


def mean_score(df: pd.DataFrame) -> float | None:
    scored = df["score"].dropna()
    return float(scored.mean()) if len(scored) else None
