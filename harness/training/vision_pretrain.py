"""Perception pretraining of the embedded model's vision tower, before its SFT.

Trained only through the SFT loss on a few answer tokens, the tiny model learns each answer's form
and its likeliest value and leaves the image tokens unread (BENCHMARKS.md, "The embedded base
model": with 6,000 more reading items it answers every OCR item with one constant). Here the vision
tower and its merger first learn, on their own objective, to say what each of the 16 image tokens
the language model will see covers. A merged token covers one cell of a 4 x 4 grid over the
112 x 112 figure (28 x 28 pixels), and a linear head on it predicts, for that cell:

- `colors`: which of the six colours cover part of it (multi-label);
- `kinds`: which kinds of object are centred in it (circle, square, triangle, text; multi-label);
- `count`: how many shapes are centred in it (0, 1, 2, 3 or more);
- `size`: the side of the largest shape centred in it (regression, in units of 56 pixels);
- `chars`: the characters whose glyphs are centred in it, in reading order, in SLOTS slots.

The targets come from the scene description (what `harness.synth.scene.render` draws), on figures
drawn by the benchmarks' own generators under a seed namespace of their own and on the pretrain
suite's backgrounds. The head is thrown away; SFT then trains the merger and the language model with
the tower frozen at what it learnt here.

Measured (BENCHMARKS.md, "The embedded base model"): colours, counts and sizes are learnt and lift
the counting and multiple-choice formats (macro 36.7 -> 41.0); characters are not (the head leaves
nine empty slots in ten empty and names almost none of the written ones), so reading is still out of
reach. The character target is kept because the measured build was trained with it.
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from transformers import AutoModelForImageTextToText, AutoProcessor

from harness.synth.formats import BENCHMARKS
from harness.synth.scene import COLORS, IMAGE_SIZE, SHAPES, Scene, font, render

GRID = 4  # merged image tokens per side: 8 x 8 patches of 14 pixels, merged 2 x 2
CELL = IMAGE_SIZE // GRID
CHARS = "0123456789abcdefghijklmnopqrstuvwxyz"
SLOTS = 4  # characters per cell: three of the smallest text (size 18) fit in 28 pixels
KINDS = (*SHAPES, "text")
COLOR_NAMES = tuple(COLORS)
# A pixel is of a colour when its L1 distance to it is below this: the drawn colours are at least
# 135 apart, and text's anti-aliased edges fall outside.
COLOR_TOLERANCE = 60
MIN_COLOR_PIXELS = 8
SIZE_UNIT = 56  # pixels: sizes are regressed as side / SIZE_UNIT
COUNT_CLASSES = 4  # shapes centred in a cell: 0, 1, 2, 3 or more


@dataclass(frozen=True)
class VisionPretrainConfig:
    """How the tower is pretrained. Defaults are those of the build in BENCHMARKS.md (14 minutes on one
    CPU thread)."""

    figures: int = 10_000
    held_out: int = 1_000
    epochs: int = 3
    batch_size: int = 64
    learning_rate: float = 1e-3
    warmup_ratio: float = 0.05
    weight_decay: float = 0.01
    seed: int = 0
    backgrounds: tuple[str, ...] = ("white", "white", "black", "grey")


def cell_targets(scene: Scene, pixels: np.ndarray) -> dict[str, np.ndarray]:
    """The per-cell targets of one figure (`pixels`: its rendering, H x W x 3 uint8)."""
    n = GRID * GRID
    colors = np.zeros((n, len(COLOR_NAMES)), np.float32)
    rgb = pixels.astype(np.int32)
    for c, name in enumerate(COLOR_NAMES):
        match = np.abs(rgb - np.array(COLORS[name])).sum(-1) < COLOR_TOLERANCE
        per_cell = match.reshape(GRID, CELL, GRID, CELL).sum((1, 3)).reshape(n)
        colors[:, c] = per_cell >= MIN_COLOR_PIXELS
    kinds = np.zeros((n, len(KINDS)), np.float32)
    count = np.zeros(n, np.int64)
    size = np.zeros(n, np.float32)
    glyphs: list[list[tuple[float, float, str]]] = [[] for _ in range(n)]
    for obj in scene.objects:
        x0, y0, x1, y1 = obj.box
        cell = _cell((x0 + x1) / 2, (y0 + y1) / 2)
        kinds[cell, KINDS.index(obj.shape)] = 1
        if obj.text is None:
            count[cell] = min(count[cell] + 1, COUNT_CLASSES - 1)
            size[cell] = max(size[cell], (x1 - x0) / SIZE_UNIT)
            continue
        f = font(y1 - y0)
        for i, ch in enumerate(obj.text):
            left, top, right, bottom = f.getbbox(ch)
            cx = x0 + f.getlength(obj.text[:i]) + (left + right) / 2
            cy = y0 + (top + bottom) / 2
            glyphs[_cell(cx, cy)].append((cy // 4, cx, ch))
    chars = np.zeros((n, SLOTS), np.int64)  # 0: no character
    for cell, found in enumerate(glyphs):
        for slot, (_, _, ch) in enumerate(sorted(found)[:SLOTS]):  # by line, then left to right
            chars[cell, slot] = 1 + CHARS.index(ch.lower())
    return {"colors": colors, "kinds": kinds, "count": count, "size": size, "chars": chars}


def _cell(x: float, y: float) -> int:
    col = min(max(int(x // CELL), 0), GRID - 1)
    row = min(max(int(y // CELL), 0), GRID - 1)
    return row * GRID + col


def draw_figures(n: int, seed: int, backgrounds: tuple[str, ...]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """`n` figures from the benchmarks' generators (cycled), seeded under a namespace of their own,
    as uint8 pixels and stacked targets."""
    formats = sorted(BENCHMARKS)
    images, targets = [], []
    for i in range(n):
        for attempt in range(50):
            rng = random.Random(f"vision-pretrain:{seed}:{i}:{attempt}")
            try:
                scene = BENCHMARKS[formats[i % len(formats)]](rng)[0].scene
                break
            except RuntimeError:  # objects did not fit: redraw
                continue
        scene.background = rng.choice(backgrounds)
        pixels = np.asarray(render(scene), dtype=np.uint8)
        images.append(pixels)
        targets.append(cell_targets(scene, pixels))
    stacked = {k: np.stack([t[k] for t in targets]) for k in targets[0]}
    return np.stack(images), stacked


class PerceptionHead(torch.nn.Module):
    """One linear map from a merged image token to every target of its cell."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.sizes = {"colors": len(COLOR_NAMES), "kinds": len(KINDS), "count": COUNT_CLASSES, "size": 1,
                      "chars": SLOTS * (1 + len(CHARS))}  # fmt: skip
        self.linear = torch.nn.Linear(width, sum(self.sizes.values()))

    def forward(self, tokens: torch.Tensor) -> dict[str, torch.Tensor]:
        parts = dict(zip(self.sizes, self.linear(tokens).split(list(self.sizes.values()), -1), strict=True))
        parts["size"] = parts["size"].squeeze(-1)
        parts["chars"] = parts["chars"].reshape(*tokens.shape[:-1], SLOTS, 1 + len(CHARS))
        return parts


def losses(pred: dict[str, torch.Tensor], target: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    ce = torch.nn.functional.cross_entropy
    return {
        "colors": bce(pred["colors"], target["colors"]),
        "kinds": bce(pred["kinds"], target["kinds"]),
        "count": ce(pred["count"].reshape(-1, COUNT_CLASSES), target["count"].reshape(-1)),
        "size": torch.nn.functional.mse_loss(pred["size"], target["size"]) * 10,
        "chars": ce(pred["chars"].reshape(-1, 1 + len(CHARS)), target["chars"].reshape(-1)),
    }


def scores(pred: dict[str, torch.Tensor], target: dict[str, torch.Tensor]) -> dict[str, float]:
    """Held-out figures: per-cell exact match of the colour and kind sets and of the count; accuracy
    on the character slots that hold a character; mean absolute size error in pixels."""
    written = target["chars"] > 0
    return {
        "colors_exact": float(((pred["colors"] > 0) == (target["colors"] > 0.5)).all(-1).float().mean()),
        "kinds_exact": float(((pred["kinds"] > 0) == (target["kinds"] > 0.5)).all(-1).float().mean()),
        "count_accuracy": float((pred["count"].argmax(-1) == target["count"]).float().mean()),
        "size_error_px": float((pred["size"] - target["size"]).abs().mean() * SIZE_UNIT),
        "char_accuracy": float((pred["chars"].argmax(-1) == target["chars"])[written].float().mean()),
        "char_slots_empty_right": float((pred["chars"].argmax(-1) == 0)[~written].float().mean()),
    }


def pretrain_vision(model_dir: str | Path, config: VisionPretrainConfig | None = None,
                    progress: bool = True) -> dict[str, Any]:  # fmt: skip
    """Train the vision tower and merger of the model in `model_dir` in place; returns the log
    (settings, loss curve, held-out scores), also written to `vision_pretrain.json` there."""
    cfg = config or VisionPretrainConfig()
    model_dir = Path(model_dir)
    torch.manual_seed(cfg.seed)
    model = AutoModelForImageTextToText.from_pretrained(model_dir)
    processor = AutoProcessor.from_pretrained(model_dir)
    visual = model.model.visual
    pixels, targets = draw_figures(cfg.figures + cfg.held_out, cfg.seed, cfg.backgrounds)
    head = PerceptionHead(model.config.text_config.hidden_size)
    params = [*visual.parameters(), *head.parameters()]
    opt = torch.optim.AdamW(params, lr=cfg.learning_rate, weight_decay=cfg.weight_decay)
    steps = cfg.epochs * (cfg.figures // cfg.batch_size)
    warmup = max(1, int(steps * cfg.warmup_ratio))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warmup, 0.5 * (1 + np.cos(np.pi * min(s / steps, 1.0))))
    )

    def run(index: np.ndarray) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
        batch = processor.image_processor(images=list(pixels[index]), return_tensors="pt")
        out = visual(batch["pixel_values"], grid_thw=batch["image_grid_thw"])
        tokens = getattr(out, "pooler_output", out)  # transformers 5 returns an output object
        tokens = tokens.reshape(len(index), GRID * GRID, -1)
        return head(tokens), {k: torch.from_numpy(v[index]) for k, v in targets.items()}

    visual.train()
    curve: list[dict[str, float]] = []
    order_rng = np.random.default_rng(cfg.seed)
    step = 0
    for epoch in range(cfg.epochs):
        order = order_rng.permutation(cfg.figures)
        for start in range(0, cfg.figures - cfg.batch_size + 1, cfg.batch_size):
            pred, target = run(order[start : start + cfg.batch_size])
            parts = losses(pred, target)
            loss = parts["colors"] + parts["kinds"] + parts["count"] + parts["size"] + parts["chars"]
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            schedule.step()
            step += 1
            if step % 50 == 0:
                curve.append({"step": step, "loss": round(loss.item(), 5),
                              **{k: round(v.item(), 5) for k, v in parts.items()}})  # fmt: skip
                if progress:
                    print(f"vision pretrain: epoch {epoch + 1}/{cfg.epochs} step {step}/{steps} loss {loss.item():.3f}",
                          flush=True)  # fmt: skip
    visual.eval()
    with torch.no_grad():
        held = np.arange(cfg.figures, cfg.figures + cfg.held_out)
        preds, tgts = zip(*(run(held[i : i + 250]) for i in range(0, len(held), 250)), strict=True)
        pred = {k: torch.cat([p[k] for p in preds]) for k in preds[0]}
        target = {k: torch.cat([t[k] for t in tgts]) for k in tgts[0]}
        held_out = scores(pred, target)
    model.save_pretrained(model_dir)
    log = {"settings": asdict(cfg), "steps": steps, "curve": curve, "held_out": held_out}
    (model_dir / "vision_pretrain.json").write_text(json.dumps(log, indent=1, sort_keys=True) + "\n")
    return log
