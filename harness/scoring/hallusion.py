"""HallusionBench: a rule-based yes/no reading and the benchmark's three accuracies.

Every HallusionBench question is a yes/no question with `gt_answer` "1" (yes) or "0" (no). The
official scorer (tianyi-lab/HallusionBench utils.py `evaluate_by_chatgpt`, then `assign_correctness`)
has no rule: GPT-4 compares every prediction with the free-text reference and says correct (1),
incorrect (0) or unclear (2). lmms-eval 0.7.3 also ships a rule-based variant
(`hb_aggregation_result_intern`: "yes" anywhere in the lower-cased output means yes, anything else
means no). This module reads yes/no by words instead, in place of the judge:
- the answer part is taken first with `extract_answer` (outside <think> blocks, nothing when one is
  left unclosed; last <answer> block, else last \\boxed{}, else the response without <think> blocks);
- when its first word is "yes" or "no", that is the answer ("Yes, there is no cat" is yes);
- otherwise a "yes" or "no" standing as an answer: after "answer is"/"answer:", or followed by
  punctuation or the end ("Based on the chart, the answer is no."), if exactly one of the two does;
  a "no" inside a sentence ("Correct, ... with no potatoes visible") is not an answer;
- neither or both → no rule decides: the item is unscored (score None, "needs the judge"), never 0.
  (Until this change such replies scored 0 for either gold.) Words only: "eyes" is not "yes".
Differences from the official GPT-4 judge: a clear leading or standalone yes/no is scored by rule;
the official "unclear" (2), which `assign_correctness` counts as correct for VS questions without a
figure (figure_id 0), is incorrect here, since the scorer sees neither category nor figure (the
benchmark, harness.paper6.hallusion, applies that rule to the judge's "unclear").
Differences from lmms-eval's rule variant: "eyes"/"yesterday" are not yes, and a reply without
"yes" is not taken as no.

Metrics (tianyi-lab/HallusionBench utils.py `get_eval_all`, `get_eval_fig`, `get_eval_pair_all`, as
evaluation.py reports them: correct/total of each), as fractions in [0, 1] rather than percentages:
- aAcc: correct questions / questions.
- fAcc: figures (category, subcategory, set_id, figure_id) whose questions are all correct, over
  figures; VS rows with figure_id "0" (no figure) are left out.
- qAcc: question groups (category, subcategory, set_id, question_id), across figures, whose
  questions are all correct, over groups.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Literal

from harness.scoring.extract import extract_answer, judge_view
from harness.scoring.verdict import JudgeError, JudgeLike, Verdict

if TYPE_CHECKING:  # pandas is imported only when metrics are computed
    import pandas as pd

_GOLD = {"1": "yes", "0": "no"}
_KEY_COLUMNS = ["category", "subcategory", "set_id", "figure_id", "question_id"]


_STANDALONE = re.compile(
    r"(?:\banswer(?:\s+is)?\s*[:：]?\s*[*_\"'`]*)\b(yes|no)\b|\b(yes|no)\b(?=[*_\"'`]*\s*(?:[.,!?;:)]|$))"
)


def read_yes_no(answer: str) -> str | None:
    """ "yes", "no", or None (see the module docstring)."""
    text = answer.lower()
    words = re.findall(r"[a-z]+", text)
    if words and words[0] in _GOLD.values():
        return words[0]
    found = {a or b for a, b in _STANDALONE.findall(text)}
    return found.pop() if len(found) == 1 else None


def judge_messages(question: str, answer: str) -> list[dict[str, str]]:
    """What the judge is asked about an answer the rules cannot read (the official scorer asks
    GPT-4 about every answer; the rules decide the clear ones)."""
    return [
        {"role": "system", "content": "You read answers to yes/no questions and say what they answer."},
        {"role": "user", "content": f"Question: {question}\nAnswer: {answer}\n\nDoes the answer say yes "
                                    "or no to the question? Reply with one word: yes, no, or unclear."},
    ]  # fmt: skip


def parse_judgement(reply: str) -> str:
    """The judge's one word; anything else is unparseable (the judge client asks again)."""
    words = re.findall(r"[a-z]+", reply.lower())
    if not words or words[0] not in ("yes", "no", "unclear"):
        raise ValueError(f"not yes, no or unclear: {reply[:80]!r}")
    return words[0]


def score_hallusion(
    response: str, gt_answer: str, judge: JudgeLike | None = None, question: str | None = None
) -> Verdict:
    """1.0 when the yes/no read from the answer part matches `gt_answer` ("1" yes, "0" no). An
    answer without a clear yes/no goes to the judge when there is one (with the question and the
    response as `judge_view` shows it, an unclosed <think> included), and is unscored without one;
    "unclear" from the judge is incorrect, as officially."""
    gold = _GOLD.get(str(gt_answer).strip())
    if gold is None:
        raise ValueError(f"HallusionBench gt_answer must be '1' or '0', got {gt_answer!r}")
    answer = extract_answer(response)
    parsed = read_yes_no(answer)
    if parsed is not None:
        return Verdict(float(parsed == gold), parsed, "rule")
    if judge is None or not question:
        note = "needs the judge: no clear yes/no (the official scorer asks GPT-4)"
        return Verdict(None, None, "none", note=note)
    try:
        word = judge.ask(judge_messages(question, judge_view(response)), parse=parse_judgement)
    except JudgeError as e:
        return Verdict(None, None, "none", note=f"judge failed: {e}")
    if word == "unclear":
        return Verdict(0.0, "unclear", "judge", note="the judge found no yes/no: incorrect, as officially")
    return Verdict(float(word == gold), word, "judge")


def _all_correct_share(df: pd.DataFrame, keys: list[str]) -> float:
    """Share of groups whose questions are all correct, over groups whose questions are all scored."""
    groups = df.groupby(keys, sort=False)["score"].agg(
        lambda s: math.nan if s.isna().any() else float(s.min())
    )
    groups = groups.dropna()
    return float((groups >= 1.0).mean()) if len(groups) else math.nan


def hallusion_metrics(df: pd.DataFrame, unscored: Literal["raise", "exclude"] = "raise") -> dict[str, float]:
    """{"aAcc", "fAcc", "qAcc"} as fractions, as the official code computes them (`get_eval_all`,
    `get_eval_fig`, `get_eval_pair_all`). Columns: category, subcategory, set_id, figure_id,
    question_id, score. Unscored rows (score None/NaN) raise ValueError naming them, or with
    `unscored="exclude"` are left out: of aAcc as questions, and of fAcc/qAcc with their whole
    figure or question group (a group with an unknown answer is neither all right nor not)."""
    import pandas as pd

    missing = [c for c in [*_KEY_COLUMNS, "score"] if c not in df.columns]
    if missing:
        raise ValueError(f"HallusionBench metrics need columns {missing}")
    if df.empty:
        raise ValueError("HallusionBench metrics need at least one row")
    scores = pd.to_numeric(df["score"], errors="coerce")
    unscored_rows = df.index[scores.isna()].tolist()
    if unscored_rows and unscored != "exclude":
        raise ValueError(
            f"HallusionBench rows without a score (index {unscored_rows[:20]}): drop or score them first"
        )
    data = df[_KEY_COLUMNS].astype(str).assign(score=scores.astype(float))
    dup = data.duplicated(_KEY_COLUMNS, keep=False)
    if dup.any():
        raise ValueError(f"duplicate HallusionBench questions at index {data.index[dup].tolist()[:20]}")
    figures = data[~((data["category"] == "VS") & (data["figure_id"] == "0"))]
    scored = data["score"].dropna()
    return {
        "aAcc": float(scored.mean()) if len(scored) else math.nan,
        "fAcc": _all_correct_share(figures, ["category", "subcategory", "set_id", "figure_id"]),
        "qAcc": _all_correct_share(data, ["category", "subcategory", "set_id", "question_id"]),
    }
