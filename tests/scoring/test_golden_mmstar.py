"""MMStar golden corpus: realistic responses scored as the official MMStar scorer scores them.

Official scorer: MMStar-Benchmark/MMStar, eval/vlmeval/evaluate/mmstar.py, `MMStar_eval` (per row:
the gold letter, lower-cased, equals the first character of the lower-cased, stripped prediction, or
the character after a leading "(", "option " or "the answer is "). Each row of golden/mmstar.jsonl
holds `official`, that scorer's result on the whole response (the text it sees); where our scorer
deliberately differs (see harness/scoring/mmstar.py), `ours` and a `difference` note as well. Our
scorer must give `ours` where it is given, else `official`.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from harness.scoring import score_mmstar

ROWS: list[dict[str, Any]] = [
    json.loads(line)
    for line in (Path(__file__).parent / "golden" / "mmstar.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
]
KINDS = ("letter", "paren", "period", "answer_prefix", "answer_phrase", "lowercase", "several_letters")
KINDS += ("option_text", "latex", "r1_think", "truncated", "refusal", "empty")


def test_corpus_shape() -> None:
    counts = Counter(row["kind"] for row in ROWS)
    print(f"MMStar golden rows: {len(ROWS)}, per kind: {dict(sorted(counts.items()))}")
    assert len(ROWS) >= 40
    assert all(counts[kind] > 0 for kind in KINDS), counts
    for row in ROWS:
        assert row["official"] in (0, 1) and row["target"] in "ABCD", row
        assert ("ours" in row) == ("difference" in row), row
        if "ours" in row:
            assert row["ours"] != row["official"], row


def test_golden_scores() -> None:
    wrong = [
        (row["kind"], row["response"], row["target"], row.get("ours", row["official"]), got)
        for row in ROWS
        if (got := score_mmstar(row["response"], row["target"]).score) != row.get("ours", row["official"])
    ]
    assert not wrong, wrong
