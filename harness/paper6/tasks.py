"""lmms-eval hooks of the six benchmark tasks (harness/tasks/harness_paper6/utils.py binds them by name).

`process_docs` gives every document its id, content hash and cluster before anything runs, from the
raw image bytes (no decoding); duplicate ids stop the run with the ids named. `process_results`
scores with the benchmark's rules (and the judge, when one is configured through HARNESS_JUDGE_*),
and returns the item's record, which `--log_samples` writes out.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from functools import lru_cache
from typing import Any, NamedTuple

from PIL import Image

from harness.core.images import decode_image, keep_image_bytes
from harness.core.records import content_hash
from harness.lmms.task_utils import RECORD_METRIC
from harness.paper6.base import Benchmark
from harness.paper6.registry import benchmark_for
from harness.scoring.verdict import JudgeLike, Verdict

SCORE_METRIC = "score"


@lru_cache(maxsize=1)
def configured_judge() -> JudgeLike | None:
    """The judge named by HARNESS_JUDGE_URL / HARNESS_JUDGE_MODEL, or None (read once per process)."""
    from harness.judge import judge_from_env

    return judge_from_env()


def _image_bytes(doc: dict[str, Any], bench: Benchmark) -> list[bytes]:
    out = []
    for col in bench.image_columns:
        cell = doc.get(col)
        if isinstance(cell, dict) and cell.get("bytes"):
            out.append(bytes(cell["bytes"]))
    return out


def _unique(ids: list[str], bench: Benchmark) -> list[str]:
    counts = Counter(ids)
    if bench.derived_ids:
        seen: Counter[str] = Counter()
        out = []
        for i in ids:
            seen[i] += 1
            out.append(i if seen[i] == 1 else f"{i}-{seen[i]}")
        return out
    dups = sorted(i for i, n in counts.items() if n > 1)
    if dups:
        shown = ", ".join(repr(d) for d in dups[:10])
        raise ValueError(f"{bench.title}: duplicate item ids in the dataset: {shown}")
    return ids


def identify(dataset: Any, bench: Benchmark) -> Any:
    """The dataset with `item_id`, `content_hash` and `cluster` columns added, its images left
    undecoded so that `decode_image` checks each one (pixel limit, truncation, orientation)."""
    raw = keep_image_bytes(dataset)
    ids, hashes, clusters = [], [], []
    for row, doc in enumerate(raw):
        try:
            item = bench.item_id(doc)
            ids.append(item)
            hashes.append(content_hash(bench.identity_text(doc), _image_bytes(doc, bench), bench.target(doc)))
        except (ValueError, KeyError, TypeError) as e:
            raise ValueError(f"{e} (row {row} of the dataset)") from e
        clusters.append(bench.cluster(doc))
    ids = _unique(ids, bench)
    return (
        raw.add_column("item_id", ids)
        .add_column("content_hash", hashes)
        .add_column("cluster", [None if c is None else str(c) for c in clusters])
    )


def visuals(doc: dict[str, Any], bench: Benchmark) -> list[Image.Image]:
    columns = bench.visual_columns(doc) if bench.visual_columns else list(bench.image_columns)
    where = f"{bench.title}: item {doc.get('item_id', '?')!r}"
    return [decode_image(doc.get(col), f"{where} {col}") for col in columns]


def build_record(
    bench: Benchmark, doc: dict[str, Any], fields: dict[str, Any], verdict: Verdict, judge: JudgeLike | None
) -> dict[str, Any]:
    consulted = judge is not None and verdict.method in ("judge", "none") and bench.needs_judge
    return {
        "item_id": str(doc["item_id"]),
        "benchmark": bench.key,
        "dataset": bench.hub_repo,
        "target": bench.target(doc),
        "parsed_answer": verdict.parsed,
        "score": verdict.score,
        "cluster": doc.get("cluster"),
        "content_hash": doc["content_hash"],
        "judge": judge.identity if consulted and judge is not None else None,
        "meta": {"fields": fields, "method": verdict.method, "note": verdict.note},
    }


class TaskHooks(NamedTuple):
    process_docs: Callable[[Any], Any]
    doc_to_visual: Callable[[dict[str, Any]], list[Image.Image]]
    doc_to_text: Callable[..., str]
    process_results: Callable[[dict[str, Any], list[str]], dict[str, Any]]


def hooks(key: str) -> TaskHooks:
    bench = benchmark_for(key)

    def process_docs(dataset: Any) -> Any:
        return identify(dataset, bench)

    def doc_to_visual(doc: dict[str, Any]) -> list[Image.Image]:
        return visuals(doc, bench)

    def doc_to_text(doc: dict[str, Any], lmms_eval_specific_kwargs: dict[str, Any] | None = None) -> str:
        return bench.prompt(doc, lmms_eval_specific_kwargs or {})

    def process_results(doc: dict[str, Any], results: list[str]) -> dict[str, Any]:
        response = results[0] if results else ""
        judge = configured_judge() if bench.needs_judge else None
        fields = bench.fields(doc)  # computed once: the scorer's input is what the record stores
        verdict = bench.score(response, fields, judge)
        record = build_record(bench, doc, fields, verdict, judge)
        out: dict[str, Any] = {SCORE_METRIC: verdict.score, RECORD_METRIC: record}
        if bench.key == "hallusion":
            out["fAcc"] = out["qAcc"] = {**record["meta"]["fields"], "score": verdict.score}
        return out

    return TaskHooks(process_docs, doc_to_visual, doc_to_text, process_results)


def hallusion_aggregate(metric: str) -> Callable[[list[dict[str, Any]]], float]:
    def aggregate(items: list[dict[str, Any]]) -> float:
        import pandas as pd

        from harness.scoring.hallusion import hallusion_metrics

        table = pd.DataFrame(items)
        return hallusion_metrics(table, unscored="exclude")[metric] if len(table) else math.nan

    return aggregate
