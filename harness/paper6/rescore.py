"""Re-score stored responses without generating again (a new judge, a fixed scorer).

Every record of the six benchmarks carries the fields its scorer needs (meta["fields"]), so the
dataset is not needed. Judge replies are cached (harness.judge), so a re-score that is interrupted,
or repeated with the same judge, does not ask again.

A re-score never loses a valid score because the judge failed: a judge that is down, mistyped or
overloaded says nothing about the response, so an item it could not judge keeps what it had.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import pandas as pd
from tqdm import tqdm

from harness.core.errors import InputError
from harness.core.records import frame_to_rows, to_frame
from harness.paper6.registry import BENCHMARKS
from harness.scoring.verdict import JudgeError, JudgeLike

log = logging.getLogger(__name__)

T = TypeVar("T")


class RescoreError(InputError):
    """Records that cannot be re-scored (the message names the items), or a judge that gave no
    verdict at all (the message names the judge and its last error)."""


@dataclass
class RescoreResult:
    """The re-scored records and what changed. `judge_failed`: items whose judging failed this
    time; of those, `kept_after_judge_failure` had a score before and kept it (record unchanged),
    the rest stay unscored with the new reason."""

    records: pd.DataFrame
    changed: int
    newly_unscored: int
    newly_scored: int
    judge_failed: int = 0
    kept_after_judge_failure: int = 0


class _WatchedJudge:
    """A JudgeLike that tells rescore whether an item's judging failed. Scorers turn JudgeError
    into an unscored verdict, so from the verdict alone a judge failure and an unreadable
    response look alike; here the JudgeError itself is seen."""

    def __init__(self, judge: JudgeLike) -> None:
        self.judge = judge
        self.asked = 0  # asks since the last reset
        self.failed = 0  # asks since the last reset that raised JudgeError
        self.answered_ever = 0
        self.last_error = ""

    @property
    def identity(self) -> str:
        return self.judge.identity

    def reset(self) -> None:
        self.asked = self.failed = 0

    def ask(self, messages: list[dict[str, str]], parse: Callable[[str], T]) -> T:
        self.asked += 1
        try:
            value = self.judge.ask(messages, parse)
        except JudgeError as exc:
            self.failed += 1
            self.last_error = str(exc)
            raise
        self.answered_ever += 1
        return value


def rescore(records: pd.DataFrame, judge: JudgeLike | None, progress: bool = True) -> RescoreResult:
    """`records` scored again by the current scorers (and `judge`, for benchmarks that use one).

    Judge failures never cost a valid score:
    - an item whose judging fails and that had a score keeps its record as it was (score, parsed
      answer, method, note, judge identity); these are counted in `kept_after_judge_failure`
      and logged, and a later re-score asks again (failures are not cached);
    - an item that was unscored and still cannot be judged stays unscored, its note giving the
      judge's error;
    - when the judge was needed but gave no verdict at all (unreachable, a typo in the port,
      every reply unusable), RescoreError is raised and nothing is re-scored: a researcher who
      asked for the judge should hear that it was not there, not get rule scores or a silent
      no-op. The input frame is never modified; the caller writes only what is returned.
    """
    rows = frame_to_rows(records)
    unknown = sorted({str(r["benchmark"]) for r in rows} - set(BENCHMARKS))
    if unknown:
        raise RescoreError(
            f"records of {', '.join(unknown)} cannot be re-scored: only the six benchmarks "
            f"({', '.join(BENCHMARKS)}) store their scoring fields"
        )
    watched = _WatchedJudge(judge) if judge is not None else None
    result = RescoreResult(records, 0, 0, 0)
    out: list[dict[str, Any]] = []
    for row in tqdm(rows, desc="re-scoring", disable=not progress, unit="item"):
        out.append(_rescore_row(row, watched, result))
    if watched is not None and result.judge_failed and not watched.answered_ever:
        raise RescoreError(
            f"{watched.last_error}; the judge gave no verdict for any of the {result.judge_failed} "
            f"item{'s' if result.judge_failed != 1 else ''} that need it, so nothing was re-scored "
            "(check the judge URL and model, or re-score without a judge for rule scores only)"
        )
    if result.kept_after_judge_failure:
        log.warning(
            "%d item(s) kept their earlier score because the judge failed (last: %s); "
            "re-score again to judge them",
            result.kept_after_judge_failure,
            watched.last_error if watched is not None else "",
        )
    result.records = to_frame(out, "re-scored records")
    return result


def _rescore_row(row: dict[str, Any], judge: _WatchedJudge | None, result: RescoreResult) -> dict[str, Any]:
    """One record scored again, counted into `result`; the record unchanged when its judging
    failed and it had a score."""
    bench = BENCHMARKS[str(row["benchmark"])]
    meta = json.loads(row.get("meta") or "{}")
    fields = meta.get("fields")
    if not isinstance(fields, dict):
        raise RescoreError(f"item_id={row['item_id']!r}: record has no stored scoring fields")
    use = judge if bench.needs_judge else None
    if use is not None:
        use.reset()
    verdict = bench.score(str(row["response"]), fields, use)
    before = row.get("score")
    if use is not None and use.failed and verdict.score is None:
        result.judge_failed += 1
        if before is not None:
            result.kept_after_judge_failure += 1
            return row
    if before != verdict.score:
        result.changed += 1
        result.newly_unscored += verdict.score is None
        result.newly_scored += before is None and verdict.score is not None
    meta.update(method=verdict.method, note=verdict.note)
    return {
        **row,
        "score": verdict.score,
        "parsed_answer": verdict.parsed,
        "judge": use.identity if use is not None and use.asked else None,
        "meta": json.dumps(meta, sort_keys=True),
    }
