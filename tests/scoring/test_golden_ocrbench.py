"""Golden OCRBench responses, each with the score the official scorer gives.

Official scores derived by reading Yuliang-Liu/MultimodalOCR OCRBench/example.py, its `__main__`
scoring loop: for HME100k, answer and prediction `.strip().replace("\\n", " ").replace(" ", "")`,
case-sensitive; otherwise `.lower().strip().replace("\\n", " ")`; result 1 when any answer is a
substring of the whole prediction. Rows with `ours` are documented deliberate differences
(harness/scoring/ocrbench.py docstring).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.scoring import score_ocrbench

ROWS = [json.loads(line) for line in (Path(__file__).parent / "golden" / "ocrbench.jsonl").open()]


def test_corpus_shape() -> None:
    assert len(ROWS) >= 30
    for row in ROWS:
        assert {"response", "answers", "dataset", "official", "kind", "note"} <= row.keys()
        assert ("ours" in row) == ("difference" in row)
        assert row["official"] is not None  # the official rule decides every item


@pytest.mark.parametrize("row", ROWS, ids=[f"{i}-{r['kind']}" for i, r in enumerate(ROWS)])
def test_golden(row: dict[str, Any]) -> None:
    expected = row["ours"] if "ours" in row else row["official"]
    verdict = score_ocrbench(row["response"], row["answers"], row["dataset"])
    assert verdict.score == expected, (row, verdict)
    if expected is None:
        assert verdict.method == "none"
