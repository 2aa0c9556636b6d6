"""Scenes: coloured shapes and drawn text on a small canvas, described as data and rendered with PIL.

The scene description is stored with every item (as JSON), so a rule-based solver can answer each
question from the description alone; that is how the tests prove every item is answerable.
"""

from __future__ import annotations

import io
import random
from dataclasses import asdict, dataclass, field
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

IMAGE_SIZE = 112
# The benchmarks' figures are drawn on white. The base model's training scenes also use the others,
# so that a dark or blank image is not out of distribution: without them a black image made the
# model degenerate (0% on every benchmark) instead of guessing (chance), hiding how much it reads.
BACKGROUNDS: dict[str, tuple[int, int, int]] = {
    "white": (255, 255, 255),
    "black": (0, 0, 0),
    "grey": (110, 110, 110),
}
COLORS: dict[str, tuple[int, int, int]] = {
    "red": (220, 30, 30),
    "green": (30, 160, 60),
    "blue": (30, 70, 220),
    "yellow": (235, 200, 20),
    "purple": (140, 50, 170),
    "orange": (245, 130, 20),
}
SHAPES = ("circle", "square", "triangle")
WORDS = ("cat", "dog", "sun", "map", "box", "red", "key", "cup", "pen", "bus", "hat", "egg")

Box = tuple[int, int, int, int]


@dataclass
class Obj:
    """A shape, or a piece of text when `text` is set (then `shape` is "text")."""

    shape: str
    color: str
    box: Box
    text: str | None = None

    @property
    def area(self) -> int:
        return (self.box[2] - self.box[0]) * (self.box[3] - self.box[1])

    @property
    def center_x(self) -> float:
        return (self.box[0] + self.box[2]) / 2


@dataclass
class Scene:
    objects: list[Obj] = field(default_factory=list)
    background: str = "white"

    def to_dict(self) -> dict[str, object]:
        # White is left out so that the benchmarks' stored scenes stay as they were.
        extra = {} if self.background == "white" else {"background": self.background}
        return {"objects": [asdict(o) for o in self.objects], **extra}

    @staticmethod
    def from_dict(data: dict[str, object]) -> Scene:
        objs = data["objects"]
        assert isinstance(objs, list)
        background = data.get("background", "white")
        assert isinstance(background, str)
        return Scene([Obj(o["shape"], o["color"], tuple(o["box"]), o.get("text")) for o in objs], background)


@lru_cache(maxsize=64)
def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def render(scene: Scene) -> Image.Image:
    img = Image.new("RGB", (IMAGE_SIZE, IMAGE_SIZE), BACKGROUNDS[scene.background])
    draw = ImageDraw.Draw(img)
    for obj in scene.objects:
        rgb = COLORS[obj.color]
        x0, y0, x1, y1 = obj.box
        if obj.text is not None:
            draw.text((x0, y0), obj.text, fill=rgb, font=font(y1 - y0))
        elif obj.shape == "circle":
            draw.ellipse(obj.box, fill=rgb)
        elif obj.shape == "square":
            draw.rectangle(obj.box, fill=rgb)
        elif obj.shape == "triangle":
            draw.polygon([((x0 + x1) // 2, y0), (x0, y1), (x1, y1)], fill=rgb)
        else:
            raise ValueError(f"unknown shape {obj.shape!r}")
    return img


def png_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def _overlaps(a: Box, b: Box, gap: int = 2) -> bool:
    return not (a[2] + gap <= b[0] or b[2] + gap <= a[0] or a[3] + gap <= b[1] or b[3] + gap <= a[1])


class Placer:
    """Places non-overlapping boxes on the canvas with a seeded RNG."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.boxes: list[Box] = []

    def place(self, w: int, h: int, tries: int = 500) -> Box:
        for _ in range(tries):
            x = self.rng.randint(1, IMAGE_SIZE - w - 1)
            y = self.rng.randint(1, IMAGE_SIZE - h - 1)
            box = (x, y, x + w, y + h)
            if not any(_overlaps(box, b) for b in self.boxes):
                self.boxes.append(box)
                return box
        raise RuntimeError(f"no room for a {w}x{h} object among {len(self.boxes)}")

    def shape(self, shape: str, color: str, size: int) -> Obj:
        return Obj(shape, color, self.place(size, size))

    def text(self, text: str, color: str, size: int) -> Obj:
        _, _, right, bottom = font(size).getbbox(text)
        box = self.place(int(right) + 1, max(size, int(bottom)) + 1)
        # Stored box height is the font size (render draws text at box[0:2] with that size).
        return Obj("text", color, (box[0], box[1], box[2], box[1] + size), text)
