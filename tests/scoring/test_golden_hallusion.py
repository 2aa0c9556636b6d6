"""Golden HallusionBench responses, with what the official scorer does with them.

The official scorer is tianyi-lab/HallusionBench utils.py `evaluate_by_chatgpt` (GPT-4 compares the
prediction with `gt_answer_details`: correct 1 / incorrect 0 / unclear 2) then `assign_correctness`,
whose `correct` feeds `get_eval_all` (aAcc), `get_eval_fig` (fAcc) and `get_eval_pair_all` (qAcc).
It has no rule-based yes/no reading, so every official score here is null (the judge). Rows with
`ours` are decided by our documented yes/no rule (harness/scoring/hallusion.py docstring); rows
without `ours` (no clear yes/no) must be unscored without a judge, never 0.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.scoring import score_hallusion

ROWS = [json.loads(line) for line in (Path(__file__).parent / "golden" / "hallusion.jsonl").open()]


def test_corpus_shape() -> None:
    assert len(ROWS) >= 30
    for row in ROWS:
        assert {"response", "gt_answer", "official", "kind", "note"} <= row.keys()
        assert ("ours" in row) == ("difference" in row)


@pytest.mark.parametrize("row", ROWS, ids=[f"{i}-{r['kind']}" for i, r in enumerate(ROWS)])
def test_golden(row: dict[str, Any]) -> None:
    expected = row["ours"] if "ours" in row else row["official"]
    verdict = score_hallusion(row["response"], row["gt_answer"])
    assert verdict.score == expected, (row, verdict)
    if expected is None:
        assert verdict.method == "none" and "needs the judge" in (verdict.note or "")
