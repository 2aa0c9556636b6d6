"""Re-score stored responses without generating again (a new judge, a fixed scorer).

Every record of the six benchmarks carries the fields its scorer needs (meta["fields"]), so the
dataset is not needed. Judge replies are cached (harness.judge), so a re-score that is interrupted,
or repeated with the same judge, does not ask again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pandas as pd
from tqdm import tqdm

from harness.core.errors import InputError
from harness.core.records import frame_to_rows, to_frame
from harness.paper6.registry import BENCHMARKS
from harness.scoring.verdict import JudgeLike


class RescoreError(InputError):
    """Records that cannot be re-scored (the message names the items)."""


@dataclass
class RescoreResult:
    records: pd.DataFrame
    changed: int
    newly_unscored: int
    newly_scored: int


def rescore(records: pd.DataFrame, judge: JudgeLike | None, progress: bool = True) -> RescoreResult:
    rows = frame_to_rows(records)
    unknown = sorted({str(r["benchmark"]) for r in rows} - set(BENCHMARKS))
    if unknown:
        raise RescoreError(
            f"records of {', '.join(unknown)} cannot be re-scored: only the six benchmarks "
            f"({', '.join(BENCHMARKS)}) store their scoring fields"
        )
    changed = newly_unscored = newly_scored = 0
    out: list[dict[str, Any]] = []
    for row in tqdm(rows, desc="re-scoring", disable=not progress, unit="item"):
        bench = BENCHMARKS[str(row["benchmark"])]
        meta = json.loads(row.get("meta") or "{}")
        fields = meta.get("fields")
        if not isinstance(fields, dict):
            raise RescoreError(f"item_id={row['item_id']!r}: record has no stored scoring fields")
        use = judge if bench.needs_judge else None
        verdict = bench.score(str(row["response"]), fields, use)
        before = row.get("score")
        if before != verdict.score:
            changed += 1
            newly_unscored += verdict.score is None
            newly_scored += before is None and verdict.score is not None
        consulted = use is not None and verdict.method in ("judge", "none")
        meta.update(method=verdict.method, note=verdict.note)
        out.append(
            {
                **row,
                "score": verdict.score,
                "parsed_answer": verdict.parsed,
                "judge": use.identity if consulted and use is not None else None,
                "meta": json.dumps(meta, sort_keys=True),
            }
        )
    frame = to_frame(out, "re-scored records")
    return RescoreResult(frame, changed, newly_unscored, newly_scored)
