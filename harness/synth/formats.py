"""Six synthetic benchmarks mirroring the formats of the paper's six, so offline runs exercise the
same scorer paths: letter multiple choice (MMStar-, MMMU-like), free-form numbers (MathVista-like),
text read from the image (OCRBench-like), yes/no questions sharing a figure (HallusionBench-like),
open answers scored in [0, 1] (MM-Vet-like).
"""

from __future__ import annotations

import json
import random
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from harness.synth.questions import SKILLS, Question
from harness.synth.scene import COLORS, SHAPES, Placer, Scene


@dataclass
class Row:
    """One benchmark item before it is rendered and written."""

    scene: Scene
    question: str
    answer: str
    answer_type: str  # letter | number | ocr | yesno | open
    skill: str
    kind: str
    params: dict[str, Any]
    difficulty: int
    rationale: str
    choices: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    cluster: str | None = None
    base_answer: str = ""  # the answer before it became an option letter

    def meta_json(self) -> str:
        return json.dumps(
            {"kind": self.kind, "params": self.params, "scene": self.scene.to_dict()}, sort_keys=True
        )


def _choice_row(q: Question, rng: random.Random, n_options: int, style: str) -> Row:
    pool = [d for d in q.domain if d != q.answer]
    options = [q.answer, *rng.sample(pool, min(n_options - 1, len(pool)))]
    rng.shuffle(options)
    letters = string.ascii_uppercase[: len(options)]
    if style == "mmstar":
        body = "\n".join(f"{letter}. {opt}" for letter, opt in zip(letters, options, strict=True))
        text = f"{q.text}\nOptions:\n{body}\nAnswer with the option's letter."
    else:
        body = "\n".join(f"({letter}) {opt}" for letter, opt in zip(letters, options, strict=True))
        text = f"Question: {q.text}\n{body}\nAnswer with the option's letter."
    letter = letters[options.index(q.answer)]
    # The rationale walks the options up to the one that matches ("A 3 no. B 5 yes."): each step
    # copies an option and compares it with the value just named, which a small model learns; naming
    # the letter at once ("That is option B.") asks it to look the value up in the list, which the
    # embedded model did no better than chance at (BENCHMARKS.md, "The embedded base model").
    walk = [
        f"{lt} {opt} {'yes' if opt == q.answer else 'no'}." for lt, opt in zip(letters, options, strict=True)
    ]
    return Row(
        q.scene,
        text,
        letter,
        "letter",
        q.kind,
        q.kind,
        q.params,
        q.difficulty,
        " ".join([q.rationale, *walk[: options.index(q.answer) + 1]]),
        choices=options,
        base_answer=q.answer,
    )


def _plain_row(q: Question, answer_type: str, skill: str) -> Row:
    return Row(
        q.scene,
        q.text,
        q.answer,
        answer_type,
        skill,
        q.kind,
        q.params,
        q.difficulty,
        q.rationale,
        keywords=list(q.extra.get("keywords", [])),
        base_answer=q.answer,
    )


def mmstar(rng: random.Random) -> list[Row]:
    skill = rng.choice(["color", "shape", "count", "read"])
    return [_choice_row(SKILLS[skill](rng), rng, 4, "mmstar")]


def mmmu(rng: random.Random) -> list[Row]:
    skill = rng.choice(["arithmetic", "larger", "count"])
    return [_choice_row(SKILLS[skill](rng), rng, rng.randint(2, 5), "mmmu")]


def mathvista(rng: random.Random) -> list[Row]:
    skill = rng.choice(["count", "arithmetic"])
    return [_plain_row(SKILLS[skill](rng), "number", skill)]


def ocrbench(rng: random.Random) -> list[Row]:
    return [_plain_row(SKILLS["read"](rng), "ocr", "read")]


def mmvet(rng: random.Random) -> list[Row]:
    skill = rng.choice(["describe", "read", "count", "color"])
    q = SKILLS[skill](rng)
    row = _plain_row(q, "open", skill)
    row.keywords = row.keywords or [q.answer]
    return [row]


def hallusion(rng: random.Random) -> list[Row]:
    """One figure, three yes/no questions about it (they share a cluster)."""
    level = rng.randint(0, 2)
    placer, scene = Placer(rng), Scene()
    c1, c2 = rng.sample(list(COLORS), 2)
    s1, s2 = rng.choice(SHAPES), rng.choice(SHAPES)
    a = placer.shape(s1, c1, rng.randint(16, 30))
    b = placer.shape(s2, c2, rng.randint(16, 30))
    scene.objects += [a, b]
    for _ in range(2 * level):
        try:
            others = [c for c in COLORS if c not in (c1, c2)]
            scene.objects.append(placer.shape(rng.choice(SHAPES), rng.choice(others), rng.randint(10, 16)))
        except RuntimeError:
            break
    present = {(o.shape, o.color) for o in scene.objects}
    absent = [(s, c) for s in SHAPES for c in COLORS if (s, c) not in present]
    s3, c3 = rng.choice(absent)
    left = a.center_x < b.center_x
    qa = [
        ("exists", {"shape": s1, "color": c1}, f"Is there a {c1} {s1} in the image?", "yes"),
        ("exists", {"shape": s3, "color": c3}, f"Is there a {c3} {s3} in the image?", "no"),
        (
            "left_of",
            {"a": c1, "b": c2, "shape_a": s1, "shape_b": s2},
            f"Is the {c1} {s1} to the left of the {c2} {s2}?",
            "yes" if left else "no",
        ),
    ]
    rng.shuffle(qa)
    return [
        Row(
            scene,
            text,
            ans,
            "yesno",
            kind,
            kind,
            params,
            level,
            _yesno_rationale(kind, params, ans),
            base_answer=ans,
        )
        for kind, params, text, ans in qa
    ]


def _yesno_rationale(kind: str, params: dict[str, Any], answer: str) -> str:
    """What the figure shows about the question asked. (Listing every object left to right, the
    earlier rationale, left the embedded model at chance: it listed objects it did not see.)"""
    if kind == "exists":
        color = params["color"]
        article = "no" if answer == "no" else "an" if color[0] in "aeiou" else "a"
        return f"There is {article} {color} {params['shape']}."
    side = "left" if answer == "yes" else "right"
    return f"The {params['a']} {params['shape_a']} is {side} of the {params['b']} {params['shape_b']}."


BENCHMARKS: dict[str, Callable[[random.Random], list[Row]]] = {
    "mmstar": mmstar,
    "mmmu": mmmu,
    "mathvista": mathvista,
    "ocrbench": ocrbench,
    "hallusion": hallusion,
    "mmvet": mmvet,
}
