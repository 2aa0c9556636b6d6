"""Perception pretraining: the per-cell targets of known scenes, and a short run that learns."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from harness.synth.scene import Obj, Scene, render
from harness.training.vision_pretrain import (
    CHARS,
    COLOR_NAMES,
    GRID,
    KINDS,
    VisionPretrainConfig,
    cell_targets,
    draw_figures,
    pretrain_vision,
)


def targets_of(scene: Scene) -> dict[str, np.ndarray]:
    return cell_targets(scene, np.asarray(render(scene), dtype=np.uint8))


def cell(row: int, col: int) -> int:
    return row * GRID + col


def test_a_shape_is_counted_sized_and_coloured_in_the_cell_of_its_centre() -> None:
    # A 20-pixel red square at x 60-80, y 30-50: inside the cell of row 1, column 2.
    t = targets_of(Scene([Obj("square", "red", (60, 30, 80, 50))]))
    assert t["count"][cell(1, 2)] == 1 and t["count"].sum() == 1
    assert t["kinds"][cell(1, 2)].tolist() == [1.0 if k == "square" else 0.0 for k in KINDS]
    assert t["size"][cell(1, 2)] == pytest.approx(20 / 56)
    red = COLOR_NAMES.index("red")
    assert t["colors"][:, red].tolist() == [1.0 if c == cell(1, 2) else 0.0 for c in range(GRID * GRID)]
    assert t["colors"][:, [i for i in range(len(COLOR_NAMES)) if i != red]].sum() == 0


def test_text_is_read_left_to_right_into_the_cells_its_glyphs_centre_in() -> None:
    t = targets_of(
        Scene([Obj("text", "blue", (2, 2, 60, 20), "cat"), Obj("text", "green", (58, 84, 110, 102), "47")])
    )
    # Cells in reading order, each cell's slots left to right.
    read = ["".join(CHARS[i - 1] for i in t["chars"][c] if i) for c in range(GRID * GRID)]
    assert "".join(read[:GRID]) == "cat" and "".join(read[3 * GRID :]) == "47"
    assert "".join(read[GRID : 3 * GRID]) == ""
    assert t["count"].sum() == 0  # text is not a shape
    assert t["kinds"][:, KINDS.index("text")].sum() == 2


def test_a_blank_figure_has_no_targets_on_any_background() -> None:
    for background in ("white", "black", "grey"):
        t = targets_of(Scene([], background))
        assert t["colors"].sum() == 0 and t["kinds"].sum() == 0 and t["chars"].sum() == 0


def test_figures_are_seeded_and_varied() -> None:
    a, ta = draw_figures(12, seed=3, backgrounds=("white", "black"))
    b, tb = draw_figures(12, seed=3, backgrounds=("white", "black"))
    assert np.array_equal(a, b) and all(np.array_equal(ta[k], tb[k]) for k in ta)
    assert len({im.tobytes() for im in a}) == 12
    assert (ta["chars"] > 0).any() and (ta["count"] > 0).any()


@pytest.mark.slow
def test_a_short_run_trains_the_tower_and_leaves_the_language_model(tiny_model, tmp_path) -> None:
    import shutil

    model = tmp_path / "m"
    shutil.copytree(tiny_model, model)
    before = load_file(model / "model.safetensors")
    log = pretrain_vision(
        model, VisionPretrainConfig(figures=128, held_out=32, epochs=2, batch_size=32), progress=False
    )
    after = load_file(model / "model.safetensors")
    changed = {k for k in before if not torch.equal(before[k], after[k])}
    assert changed and all(k.startswith("visual.") for k in changed)
    assert any(".merger." in k for k in changed) and any(".blocks." in k for k in changed)
    assert json.loads((model / "vision_pretrain.json").read_text())["held_out"] == log["held_out"]
    assert log["steps"] == 8 and 0.0 <= log["held_out"]["char_accuracy"] <= 1.0
