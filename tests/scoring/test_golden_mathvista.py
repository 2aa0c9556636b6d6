"""Golden MathVista (testmini) responses, each with the score the official scorer gives.

Official scores derived by reading lupantech/MathVista: evaluation/extract_answer.py `extract_answer`
(quick rules on the raw response: `response == ""` → "", `response in choices`, `int(response)` for
integer items, `float(response)` for float items; everything else goes to the GPT extractor, null
here) and evaluation/calculate_score.py `normalize_extracted_answer` (letter → choice, else
`get_most_similar` by Levenshtein distance; `int(float(x))`; `round(float(x), precision)`;
`str(x)` for lists) and `safe_equal` (string equality with the gold answer).
Rows with `ours` are documented deliberate differences (harness/scoring/mathvista.py docstring);
rows whose official score is null and that have no `ours` must be unscored without a judge.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.scoring import score_mathvista

ROWS = [json.loads(line) for line in (Path(__file__).parent / "golden" / "mathvista.jsonl").open()]


def test_corpus_shape() -> None:
    assert len(ROWS) >= 30
    for row in ROWS:
        assert {"response", "fields", "official", "kind", "note"} <= row.keys()
        assert ("ours" in row) == ("difference" in row)


@pytest.mark.parametrize("row", ROWS, ids=[f"{i}-{r['kind']}" for i, r in enumerate(ROWS)])
def test_golden(row: dict[str, Any]) -> None:
    expected = row["ours"] if "ours" in row else row["official"]
    verdict = score_mathvista(row["response"], row["fields"], None)
    assert verdict.score == expected, (row, verdict)
    if expected is None:
        assert verdict.method == "none" and "needs the judge" in (verdict.note or "")


def test_empty_choice_note_says_official() -> None:
    row = next(r for r in ROWS if r["kind"] == "empty" and r["fields"]["choices"] and r["response"] == "")
    verdict = score_mathvista("", row["fields"], None)
    assert verdict.parsed == "3/5" and "nearest choice" in (verdict.note or "")
