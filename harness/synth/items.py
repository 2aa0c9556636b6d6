"""Procedural visual-reasoning items whose answers need the image (PIL drawing, seeded).

Each generator takes a `random.Random` and returns a `SynthItem`; the same seed always draws the same
image, question and answer. Item ids are derived from (suite, split, index), never row positions of a
particular file.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from PIL import Image, ImageDraw

IMAGE_SIZE = 112
BACKGROUND = (255, 255, 255)
COLORS: dict[str, tuple[int, int, int]] = {
    "red": (220, 30, 30),
    "green": (30, 160, 60),
    "blue": (30, 70, 220),
    "yellow": (235, 200, 20),
    "purple": (140, 50, 170),
    "orange": (245, 130, 20),
}
SHAPES = ("circle", "square", "triangle")


@dataclass
class SynthItem:
    """One item: an image, a question, the reference answer and how it is scored."""

    image: Image.Image
    question: str
    answer: str
    skill: str
    answer_type: str = "text"  # text | number | letter | yesno
    choices: list[str] = field(default_factory=list)
    cluster: str | None = None

    def image_png(self) -> bytes:
        buf = io.BytesIO()
        self.image.save(buf, format="PNG")
        return buf.getvalue()


def _canvas() -> tuple[Image.Image, ImageDraw.ImageDraw]:
    img = Image.new("RGB", (IMAGE_SIZE, IMAGE_SIZE), BACKGROUND)
    return img, ImageDraw.Draw(img)


def draw_shape(
    draw: ImageDraw.ImageDraw, shape: str, box: tuple[int, int, int, int], color: tuple[int, int, int]
) -> None:
    x0, y0, x1, y1 = box
    if shape == "circle":
        draw.ellipse(box, fill=color)
    elif shape == "square":
        draw.rectangle(box, fill=color)
    elif shape == "triangle":
        draw.polygon([((x0 + x1) // 2, y0), (x0, y1), (x1, y1)], fill=color)
    else:
        raise ValueError(f"unknown shape {shape!r}")


def _free_boxes(rng: random.Random, n: int, size: int, tries: int = 400) -> list[tuple[int, int, int, int]]:
    """Place n non-overlapping square boxes of side `size` on the canvas (best effort, seeded)."""
    boxes: list[tuple[int, int, int, int]] = []
    margin = 2
    for _ in range(tries):
        if len(boxes) == n:
            break
        x = rng.randint(margin, IMAGE_SIZE - size - margin)
        y = rng.randint(margin, IMAGE_SIZE - size - margin)
        box = (x, y, x + size, y + size)
        if all(x + size < b[0] or b[2] < x or y + size < b[1] or b[3] < y for b in boxes):
            boxes.append(box)
    if len(boxes) < n:
        raise RuntimeError(f"could not place {n} shapes of size {size}")
    return boxes


def color_item(rng: random.Random) -> SynthItem:
    """Name the colour of the one shape in the image (shape size varies: small is harder)."""
    img, draw = _canvas()
    color = rng.choice(list(COLORS))
    shape = rng.choice(SHAPES)
    size = rng.randint(14, 60)
    (box,) = _free_boxes(rng, 1, size)
    draw_shape(draw, shape, box, COLORS[color])
    return SynthItem(img, f"What colour is the {shape}?", color, skill="color")


def count_item(rng: random.Random) -> SynthItem:
    """Count circles among distractor squares (more objects and distractors are harder)."""
    img, draw = _canvas()
    n = rng.randint(1, 5)
    distractors = rng.randint(0, 3)
    size = rng.randint(12, 18)
    boxes = _free_boxes(rng, n + distractors, size)
    for i, box in enumerate(boxes):
        draw_shape(draw, "circle" if i < n else "square", box, COLORS[rng.choice(list(COLORS))])
    return SynthItem(img, "How many circles are there?", str(n), skill="count", answer_type="number")


GENERATORS: dict[str, Callable[[random.Random], SynthItem]] = {
    "color": color_item,
    "count": count_item,
}


def generate(skills: list[str], n: int, seed: int) -> list[SynthItem]:
    """n items cycling through `skills`; item i uses its own RNG seeded by (seed, i)."""
    out = []
    for i in range(n):
        rng = random.Random(f"{seed}:{i}")
        out.append(GENERATORS[skills[i % len(skills)]](rng))
    return out
