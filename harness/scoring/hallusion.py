"""HallusionBench (image split): a rule-based yes/no reading and the benchmark's three accuracies.

Every HallusionBench question is a yes/no question with `gt_answer` "1" (yes) or "0" (no). The
official scorer asks GPT-4 whether the prediction agrees with the free-text reference; lmms-eval
0.7.3 also ships a rule-based variant (`hb_aggregation_result_intern`: "yes" anywhere in the
lower-cased output means yes, anything else means no). This module reads yes/no by words instead:
- the answer part is taken first with `extract_answer` (outside <think> blocks, nothing when one is left unclosed; last <answer> block, else last \\boxed{},
  else the response without <think> blocks);
- when its first word is "yes" or "no", that is the answer ("Yes, there is no cat" is yes);
- otherwise the answer is whichever of the words "yes" and "no" occurs, if exactly one does;
- neither or both → nothing parsed, score 0. Words only: "eyes" is not "yes", "Yes." is "yes".
Differences from lmms-eval's rule variant: "eyes"/"yesterday" are not yes, a reply without "yes" is
not taken as no, and a reply with neither word scores 0 instead of being right whenever gt is "0".

Metrics (keys of lmms-eval's hallusion_bench utils: get_eval_all, get_eval_fig, get_eval_pair_all),
as fractions in [0, 1] rather than percentages:
- aAcc: correct questions / questions.
- fAcc: figures (category, subcategory, set_id, figure_id) whose questions are all correct, over
  figures; VS rows with figure_id "0" (no figure) are left out.
- qAcc: question groups (category, subcategory, set_id, question_id), across figures, whose
  questions are all correct, over groups.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

from harness.scoring.extract import extract_answer
from harness.scoring.verdict import Verdict

if TYPE_CHECKING:  # pandas is imported only when metrics are computed
    import pandas as pd

_GOLD = {"1": "yes", "0": "no"}
_KEY_COLUMNS = ["category", "subcategory", "set_id", "figure_id", "question_id"]


def read_yes_no(answer: str) -> str | None:
    """ "yes", "no", or None (see the module docstring)."""
    words = re.findall(r"[a-z]+", answer.lower())
    if words and words[0] in _GOLD.values():
        return words[0]
    found = {w for w in words if w in ("yes", "no")}
    return found.pop() if len(found) == 1 else None


def score_hallusion(response: str, gt_answer: str) -> Verdict:
    """1.0 when the yes/no read from the answer part matches `gt_answer` ("1" yes, "0" no)."""
    gold = _GOLD.get(str(gt_answer).strip())
    if gold is None:
        raise ValueError(f"HallusionBench gt_answer must be '1' or '0', got {gt_answer!r}")
    parsed = read_yes_no(extract_answer(response))
    if parsed is None:
        return Verdict(0.0, None, "rule", note="nothing parsed")
    return Verdict(float(parsed == gold), parsed, "rule")


def _all_correct_share(df: pd.DataFrame, keys: list[str]) -> float:
    groups = df.groupby(keys, sort=False)["score"].min()
    return float((groups >= 1.0).mean()) if len(groups) else math.nan


def hallusion_metrics(df: pd.DataFrame) -> dict[str, float]:
    """{"aAcc", "fAcc", "qAcc"} as fractions. Columns: category, subcategory, set_id, figure_id,
    question_id, score. Unscored rows (score None/NaN) raise ValueError naming them: whether they
    count as wrong or are left out is the caller's decision."""
    import pandas as pd

    missing = [c for c in [*_KEY_COLUMNS, "score"] if c not in df.columns]
    if missing:
        raise ValueError(f"HallusionBench metrics need columns {missing}")
    if df.empty:
        raise ValueError("HallusionBench metrics need at least one row")
    scores = pd.to_numeric(df["score"], errors="coerce")
    unscored = df.index[scores.isna()].tolist()
    if unscored:
        raise ValueError(
            f"HallusionBench rows without a score (index {unscored[:20]}): drop or score them first"
        )
    data = df[_KEY_COLUMNS].astype(str).assign(score=scores.astype(float))
    dup = data.duplicated(_KEY_COLUMNS, keep=False)
    if dup.any():
        raise ValueError(f"duplicate HallusionBench questions at index {data.index[dup].tolist()[:20]}")
    figures = data[~((data["category"] == "VS") & (data["figure_id"] == "0"))]
    return {
        "aAcc": float(data["score"].mean()),
        "fAcc": _all_correct_share(figures, ["category", "subcategory", "set_id", "figure_id"]),
        "qAcc": _all_correct_share(data, ["category", "subcategory", "set_id", "question_id"]),
    }
