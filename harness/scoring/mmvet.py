"""MM-Vet: the official GPT grading request, and a rule-based approximation for use without a judge.

Official rule (yuweihao/MM-Vet `mm-vet_evaluator.py`): a judge completes a few-shot table
"Question | Ground truth | Prediction | Correctness" with a score in {0.0, 0.1, ..., 1.0}; the first
space-separated token of its reply must be a float in [0, 1]. The request is the official prompt,
a line break, then `" | ".join([question, answer with " <AND> "/" <OR> " spaced, prediction, ""])`.

Deliberate differences from lmms-eval 0.7.3:
- The prompt is the official one. lmms-eval's copy has lost the blank line before the table and
  names the first column "gpt_query_prompt" instead of "Question", and it ends the request with
  " |" where the official join ends with " | ".
- A judge that fails leaves the item unscored (score None). lmms-eval scores it 0.0 (and loops
  forever on a parseable score outside [0, 1]).
- The judge sees the response without <think> blocks when anything is left outside them (then
  stripped); otherwise the response verbatim, as officially (an empty one too).

Deliberate differences from the official script (yuweihao/MM-Vet `mm-vet_evaluator.py`, `runs`),
besides the <think> blocks above; tests/scoring/golden/mmvet.jsonl has a row for each:
- A judge that fails every attempt leaves the item unscored; officially it scores 0.0.
- A "NaN" reply is rejected; officially it passes the range check and makes every total NaN.
- Attempts: the judge client's `retries + 1` (4 by default), each the same request at temperature 0;
  officially up to 5 replies are read, each retry appending "Predict the correctness of the answer
  (digit): " to the request at a temperature raised by 0.5, with max_tokens 3 (ours: 256).

`score_mmvet_approx` is NOT MM-Vet's metric: it is a rule-based stand-in, labelled "rule_approx":
- gold "a <AND> b <AND> c": the share of parts present in the answer (the few-shot table gives 0.5
  for one of two parts);
- gold "a <OR> b": 1 if any part is present, else 0;
- a part is present when, as a number, it equals a number in the answer (commas, signs, "%" and
  currency signs ignored), or otherwise when its words appear in order as whole words;
- a single gold of more than 3 words (a description): the share of its content words that appear in
  the answer, rounded to one decimal; shorter golds: present or not.
"""

from __future__ import annotations

import re

from harness.scoring.extract import extract_answer, judge_view, missing_answer_note
from harness.scoring.verdict import JudgeError, JudgeLike, Verdict

# MM-Vet's official grading prompt (verbatim, benchmark data).
MM_VET_PROMPT = """Compare the ground truth and prediction from AI models, to give a correctness score for the prediction. <AND> in the ground truth means it is totally right only when all elements in the ground truth are present in the prediction, and <OR> means it is totally right when any one element in the ground truth is present in the prediction. The correctness score is 0.0 (totally wrong), 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, or 1.0 (totally right). Just complete the last space of the correctness score.

Question | Ground truth | Prediction | Correctness
--- | --- | --- | ---
What is x in the equation? | -1 <AND> -5 | x = 3 | 0.0
What is x in the equation? | -1 <AND> -5 | x = -1 | 0.5
What is x in the equation? | -1 <AND> -5 | x = -5 | 0.5
What is x in the equation? | -1 <AND> -5 | x = -5 or 5 | 0.5
What is x in the equation? | -1 <AND> -5 | x = -1 or x = -5 | 1.0
Can you explain this meme? | This meme is poking fun at the fact that the names of the countries Iceland and Greenland are misleading. Despite its name, Iceland is known for its beautiful green landscapes, while Greenland is mostly covered in ice and snow. The meme is saying that the person has trust issues because the names of these countries do not accurately represent their landscapes. | The meme talks about Iceland and Greenland. It's pointing out that despite their names, Iceland is not very icy and Greenland isn't very green. | 0.4
Can you explain this meme? | This meme is poking fun at the fact that the names of the countries Iceland and Greenland are misleading. Despite its name, Iceland is known for its beautiful green landscapes, while Greenland is mostly covered in ice and snow. The meme is saying that the person has trust issues because the names of these countries do not accurately represent their landscapes. | The meme is using humor to point out the misleading nature of Iceland's and Greenland's names. Iceland, despite its name, has lush green landscapes while Greenland is mostly covered in ice and snow. The text 'This is why I have trust issues' is a playful way to suggest that these contradictions can lead to distrust or confusion. The humor in this meme is derived from the unexpected contrast between the names of the countries and their actual physical characteristics. | 1.0
"""

_APPROX_NOTE = "approximate: rule-based stand-in for the MM-Vet judge, not the official metric"
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?|-?\.\d+")
_STOPWORDS = frozenset(
    re.findall(
        r"\w+",
        "a an the of to in on at for by with and or is are was were be been it its this that these those "
        "as from there their they he she his her which who what where when how not no but so than then",
    )
)


def judge_messages(question: str, answer: str, response: str) -> list[dict[str, str]]:
    """The official grading request for one item."""
    gold = answer.replace("<AND>", " <AND> ").replace("<OR>", " <OR> ")
    content = MM_VET_PROMPT + "\n" + " | ".join([question, gold, response, ""])
    return [{"role": "user", "content": content}]


def parse_judge(text: str) -> float:
    """The judge's score, read as officially: the text before the first space, stripped, as a float
    in [0, 1] (" 1.0" and "1.0\nbecause" do not read); ValueError otherwise (NaN included)."""
    token = text.split(" ")[0].strip()
    score = float(token)  # raises ValueError when not a number
    if not 0.0 <= score <= 1.0:
        raise ValueError(f"judge score outside [0, 1]: {token!r}")
    return score


def _numbers(text: str) -> list[float]:
    out = []
    for raw in _NUMBER.findall(text):
        try:
            out.append(float(raw.replace(",", "")))
        except ValueError:
            continue
    return out


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:\.[0-9]+)?", text.lower())


def _present(part: str, answer: str) -> bool:
    stripped = re.sub(r"[%$€£\s]", "", part).replace(",", "")
    if re.fullmatch(r"-?\d+(?:\.\d+)?|-?\.\d+", stripped):
        return any(abs(float(stripped) - n) < 1e-9 for n in _numbers(answer))
    want = _words(part)
    if not want:
        return part.strip().lower() in answer.lower()
    return re.search(r"\b" + r"\W+".join(map(re.escape, want)) + r"\b", " ".join(_words(answer))) is not None


def score_mmvet_approx(response: str, answer: str) -> Verdict:
    """A rule-based approximation of the MM-Vet grade (see module docstring), method "rule_approx"."""
    text = extract_answer(response)
    if not text:
        return Verdict(0.0, None, "rule_approx", note=f"{_APPROX_NOTE}; {missing_answer_note(response)}")
    if "<AND>" in answer:
        parts = [p for p in answer.split("<AND>") if p.strip()]
        score = sum(_present(p, text) for p in parts) / len(parts)
    elif "<OR>" in answer:
        score = float(any(_present(p, text) for p in answer.split("<OR>") if p.strip()))
    elif len(answer.split()) > 3:
        content = {w for w in _words(answer) if w not in _STOPWORDS}
        got = set(_words(text))
        score = round(len(content & got) / len(content), 1) if content else float(_present(answer, text))
    else:
        score = float(_present(answer, text))
    return Verdict(score, text, "rule_approx", note=_APPROX_NOTE)


def score_mmvet(response: str, question: str, answer: str, judge: JudgeLike | None) -> Verdict:
    """The judge's grade (method "judge"); without a judge, the rule-based approximation."""
    if judge is None:
        return score_mmvet_approx(response, answer)
    try:
        score = judge.ask(judge_messages(question, answer, judge_view(response)), parse=parse_judge)
    except JudgeError as e:
        return Verdict(None, None, "none", note=f"judge failed: {e}")
    return Verdict(score, extract_answer(response) or None, "judge")
