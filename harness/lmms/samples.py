"""Read lmms-eval sample logs (`--log_samples` jsonl) and convert them to per-item records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from harness.core.records import read_jsonl, to_frame
from harness.lmms.task_utils import RECORD_METRIC
from harness.models.loader import ModelIdentity


class SampleLogError(ValueError):
    """A sample log that cannot be turned into records (names the file and the line)."""


def read_sample_log(path: str | Path) -> list[dict[str, Any]]:
    try:
        rows = read_jsonl(path)
    except ValueError as e:
        raise SampleLogError(str(e)) from e
    for n, row in enumerate(rows, 1):
        if RECORD_METRIC not in row:
            raise SampleLogError(
                f"{path}: sample {n} (doc_id {row.get('doc_id')}) has no {RECORD_METRIC!r} field; the "
                "task's process_results must return one (see harness.lmms.task_utils)"
            )
    return rows


def _response(sample: dict[str, Any]) -> str:
    """The raw model output of a single-request sample (lmms-eval nests it in lists)."""
    value: Any = sample.get("resps", sample.get("filtered_resps", ""))
    while isinstance(value, list):
        value = value[0] if value else ""
    return "" if value is None else str(value)


def samples_to_records(
    samples: list[dict[str, Any]],
    task: str,
    identity: ModelIdentity,
    gen_config_hash: str,
    task_version: str,
    engine: str = "",
) -> pd.DataFrame:
    """One validated record per sample, ordered by item_id (so runs compare row for row)."""
    rows = []
    for sample in samples:
        rec = dict(sample[RECORD_METRIC])
        meta = rec.pop("meta", {}) or {}
        rows.append(
            {
                **rec,
                "task": task,
                "dataset": rec.get("dataset") or task,
                "response": _response(sample),
                "model": identity.name,
                "checkpoint": identity.path,
                "weights_hash": identity.weights_hash,
                "gen_config_hash": gen_config_hash,
                "task_version": task_version,
                "engine": engine,
                "meta": json.dumps(meta, sort_keys=True),
            }
        )
    df = to_frame(rows, source=f"task {task}")
    return df.sort_values("item_id", kind="stable").reset_index(drop=True)
