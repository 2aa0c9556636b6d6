"""Question generators by skill. Each draws a scene and asks one question about it.

Difficulty varies within every skill: more clutter (distractor objects), smaller objects and text,
closer sizes and counts. A generator records its `kind` and `params`; `harness.synth.solver` answers
from (kind, params, scene) alone, independently of how the generator computed its answer.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from harness.synth.scene import COLORS, SHAPES, WORDS, Placer, Scene

COLOR_NAMES = list(COLORS)


@dataclass
class Question:
    """A question about a scene, its answer, and the answer's domain (for multiple-choice options)."""

    scene: Scene
    kind: str
    params: dict[str, Any]
    text: str
    answer: str
    domain: list[str]
    rationale: str
    difficulty: int  # 0 (easy) .. 2 (hard), by construction
    extra: dict[str, Any] = field(default_factory=dict)


def _clutter(
    rng: random.Random, placer: Placer, scene: Scene, n: int, avoid: Callable[[str, str], bool]
) -> None:
    """Add n distractor shapes whose (shape, color) does not satisfy `avoid`."""
    for _ in range(n):
        for _ in range(50):
            shape, color = rng.choice(SHAPES), rng.choice(COLOR_NAMES)
            if not avoid(shape, color):
                break
        else:
            continue
        try:
            scene.objects.append(placer.shape(shape, color, rng.randint(10, 18)))
        except RuntimeError:
            return


def count_question(rng: random.Random) -> Question:
    level = rng.randint(0, 2)
    shape = rng.choice(SHAPES)
    n = rng.randint(1, 3 + 2 * level)
    placer, scene = Placer(rng), Scene()
    for _ in range(n):
        scene.objects.append(placer.shape(shape, rng.choice(COLOR_NAMES), rng.randint(12 - 2 * level, 18)))
    _clutter(rng, placer, scene, rng.randint(0, 2 * level), lambda s, c: s == shape)
    return Question(
        scene,
        "count",
        {"shape": shape},
        f"How many {shape}s are in the image?",
        str(n),
        [str(i) for i in range(1, 10)],
        f"I count {n} {shape}{'s' if n > 1 else ''}.",
        level,
    )


def _single_object(rng: random.Random, ask: str) -> Question:
    """One large object plus clutter that differs in the asked-about attribute's partner: asking for
    the colour, no distractor shares the shape; asking for the shape, none shares the colour."""
    level = rng.randint(0, 2)
    shape = rng.choice(SHAPES)
    color = rng.choice(COLOR_NAMES)
    placer, scene = Placer(rng), Scene()
    scene.objects.append(placer.shape(shape, color, rng.randint(40 - 12 * level, 56 - 14 * level)))
    if ask == "color":
        _clutter(rng, placer, scene, 2 * level, lambda s, c: s == shape)
        return Question(
            scene, "color_of", {"shape": shape}, f"What color is the {shape}?", color,
            COLOR_NAMES, f"The {shape} is {color}.", level,
        )  # fmt: skip
    _clutter(rng, placer, scene, 2 * level, lambda s, c: c == color)
    return Question(
        scene, "shape_of", {"color": color}, f"What shape is the {color} object?", shape,
        list(SHAPES), f"The {color} object is a {shape}.", level,
    )  # fmt: skip


def color_question(rng: random.Random) -> Question:
    return _single_object(rng, "color")


def shape_question(rng: random.Random) -> Question:
    return _single_object(rng, "shape")


def read_question(rng: random.Random) -> Question:
    level = rng.randint(0, 2)
    text = rng.choice(WORDS) if rng.random() < 0.5 else str(rng.randint(10**level, 10 ** (level + 2) - 1))
    placer, scene = Placer(rng), Scene()
    scene.objects.append(placer.text(text, rng.choice(["red", "blue", "green", "purple"]), 34 - 8 * level))
    _clutter(rng, placer, scene, level, lambda s, c: False)
    return Question(
        scene,
        "read",
        {},
        "What text is written in the image?",
        text,
        [*WORDS, *(str(i) for i in range(10, 100))],
        f"The text reads {text}.",
        level,
    )


def sum_question(rng: random.Random) -> Question:
    level = rng.randint(0, 2)
    a, b = rng.randint(1, 4 + 3 * level), rng.randint(1, 4 + 3 * level)
    placer, scene = Placer(rng), Scene()
    for v in (a, b):
        scene.objects.append(placer.text(str(v), rng.choice(["red", "blue", "green"]), 30 - 6 * level))
    _clutter(rng, placer, scene, level, lambda s, c: False)
    op = rng.choice(["sum", "difference"]) if level else "sum"
    answer = a + b if op == "sum" else abs(a - b)
    text = (
        "What is the sum of the two numbers in the image?"
        if op == "sum"
        else "What is the difference between the larger and the smaller number in the image?"
    )
    return Question(
        scene,
        "arithmetic",
        {"op": op},
        text,
        str(answer),
        [str(i) for i in range(0, 21)],
        f"The numbers are {a} and {b}; their {op} is {answer}.",
        level,
    )


def _two_shapes(rng: random.Random, level: int) -> tuple[Placer, Scene, tuple[str, str], tuple[str, str]]:
    c1, c2 = rng.sample(COLOR_NAMES, 2)
    s1, s2 = rng.choice(SHAPES), rng.choice(SHAPES)
    placer, scene = Placer(rng), Scene()
    gap = (14, 8, 4)[level]
    size1 = rng.randint(14, 40)
    size2 = size1 + rng.choice([-1, 1]) * rng.randint(gap, gap + 8)
    size2 = min(max(size2, 10), 46)
    if size1 == size2:
        size2 += 4
    scene.objects.append(placer.shape(s1, c1, size1))
    scene.objects.append(placer.shape(s2, c2, size2))
    return placer, scene, (c1, s1), (c2, s2)


def larger_question(rng: random.Random) -> Question:
    level = rng.randint(0, 2)
    placer, scene, (c1, s1), (c2, s2) = _two_shapes(rng, level)
    big = scene.objects[0] if scene.objects[0].area > scene.objects[1].area else scene.objects[1]
    _clutter(rng, placer, scene, level, lambda s, c: c in (c1, c2))
    return Question(
        scene,
        "larger",
        {"a": c1, "b": c2},
        f"Which object is larger, the {c1} {s1} or the {c2} {s2}? Answer with its color.",
        big.color,
        [c1, c2],
        f"The {big.color} {big.shape} is larger.",
        level,
    )


def describe_question(rng: random.Random) -> Question:
    """Open answer with two parts (color and shape), scored by the share of parts named."""
    q = color_question(rng)
    shape = q.params["shape"]
    return Question(
        q.scene,
        "describe",
        {"shape": shape},
        f"Describe the {shape}'s color and shape.",
        f"{q.answer} {shape}",
        [],
        q.rationale,
        q.difficulty,
        extra={"keywords": [q.answer, shape]},
    )


SKILLS: dict[str, Callable[[random.Random], Question]] = {
    "count": count_question,
    "color": color_question,
    "shape": shape_question,
    "read": read_question,
    "arithmetic": sum_question,
    "larger": larger_question,
    "describe": describe_question,
}
