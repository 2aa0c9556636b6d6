from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from harness.difficulty.maskers import MASKERS, apply_mask, cell_saliency, make_mask, mask_seed


def _image(mode: str, size: tuple[int, int] = (113, 97)) -> Image.Image:
    rng = np.random.default_rng(0)
    rgb = Image.fromarray(rng.integers(1, 255, (size[1], size[0], 3), dtype=np.uint8))
    return rgb.convert(mode)


@pytest.mark.parametrize("masker", MASKERS)
@pytest.mark.parametrize("ratio", [0.0, 0.1, 0.3, 0.5, 0.9])
def test_covered_area_is_within_one_row_or_cell(masker: str, ratio: float) -> None:
    h, w = 97, 113
    mask = make_mask(np.zeros((h, w, 3), dtype=np.uint8), masker, ratio, seed=1)
    target = ratio * h * w
    tolerance = {"rect": max(h, w), "pixels": 1, "patches": 1, "semantic": 1}[masker]
    assert mask.shape == (h, w)
    assert abs(mask.sum() - target) <= tolerance


@pytest.mark.parametrize("masker", ["patches", "semantic"])
@pytest.mark.parametrize("shape", [(97, 113), (57, 83), (30, 100), (15, 15), (14, 14), (1, 1), (333, 500)])
def test_grid_maskers_hide_exactly_lambda_of_the_pixels_on_any_size(
    masker: str, shape: tuple[int, int]
) -> None:
    """Counting cells missed λ by up to 0.06 (patches) and 0.21 (semantic) on sides that are not
    multiples of 14: edge cells are clipped. Now the hidden pixels are round(λ·H·W) exactly."""
    pixels = np.random.default_rng(2).integers(0, 255, (*shape, 3), dtype=np.uint8)
    for ratio in (0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1.0):
        mask = make_mask(pixels, masker, ratio, seed=3)
        assert mask.shape == shape and int(mask.sum()) == round(ratio * shape[0] * shape[1]), (
            ratio,
            mask.sum(),
        )


@pytest.mark.parametrize("masker", MASKERS)
def test_seeded_per_item_ratio_and_attempt(masker: str) -> None:
    img = _image("RGB")
    a = np.array(apply_mask(img, masker, 0.5, "item1", 3))
    b = np.array(apply_mask(img, masker, 0.5, "item1", 3))
    assert np.array_equal(a, b)
    assert mask_seed("item1", 0.5, 3) != mask_seed("item1", 0.5, 4) != mask_seed("item2", 0.5, 3)
    if masker != "semantic":  # semantic's order is mostly saliency, random only on ties
        c = np.array(apply_mask(img, masker, 0.5, "item1", 4))
        assert not np.array_equal(a, c)


def test_seed_of_the_first_image_is_the_single_image_seed() -> None:
    """Image 0 of an item keeps the seed PISM used before items had several images, so single-image
    results do not change; every other image has a seed of its own."""
    import hashlib

    legacy = int.from_bytes(hashlib.sha256(b"item1|0.3000|2").digest()[:8], "little")
    assert mask_seed("item1", 0.3, 2) == mask_seed("item1", 0.3, 2, 0) == legacy
    seeds = {mask_seed("item1", 0.3, 2, i) for i in range(7)}
    assert len(seeds) == 7
    img = _image("RGB")
    assert np.array_equal(np.array(apply_mask(img, "pixels", 0.3, "item1", 2)),
                          np.array(apply_mask(img, "pixels", 0.3, "item1", 2, index=0)))  # fmt: skip
    assert not np.array_equal(np.array(apply_mask(img, "pixels", 0.3, "item1", 2, index=1)),
                              np.array(apply_mask(img, "pixels", 0.3, "item1", 2)))  # fmt: skip
    with pytest.raises(ValueError, match="image index"):
        mask_seed("item1", 0.3, 2, -1)


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "P", "1", "I;16", "CMYK"])
@pytest.mark.parametrize("masker", MASKERS)
def test_any_mode_gives_rgb_of_the_same_size(mode: str, masker: str) -> None:
    out = apply_mask(_image(mode), masker, 0.4, "x", 0)
    assert out.mode == "RGB" and out.size == (113, 97)
    assert (np.array(out).sum(axis=2) == 0).sum() > 0


@pytest.mark.parametrize("masker", MASKERS)
def test_tiny_and_large_images(masker: str) -> None:
    one = apply_mask(Image.new("RGB", (1, 1), "red"), masker, 0.9, "x", 0)
    assert one.size == (1, 1)
    big = Image.new("RGB", (4000, 3000), "white")
    out = np.array(apply_mask(big, masker, 0.3, "x", 0))
    assert abs((out.sum(axis=2) == 0).mean() - 0.3) < 0.01


def test_semantic_hides_informative_cells_first() -> None:
    img = Image.new("RGB", (112, 112), "white")
    img.paste(Image.new("RGB", (30, 30), "black"), (35, 35))  # edges cross cells 2..4
    pixels = np.array(img)
    sal = cell_saliency(pixels)
    assert sal[0] == 0 and sal.max() > 0
    mask = make_mask(pixels, "semantic", 4 / 64, seed=0)
    hidden = sorted({(i // 14) * 8 + j // 14 for i, j in zip(*np.nonzero(mask), strict=True)})
    assert len(hidden) == 4
    shown = [c for c in range(64) if c not in hidden]
    assert sal[hidden].min() >= sal[shown].max()


def test_bad_ratio_and_masker() -> None:
    with pytest.raises(ValueError, match="ratio"):
        make_mask(np.zeros((4, 4, 3), np.uint8), "rect", 1.5, 0)
    with pytest.raises(ValueError, match="unknown masker"):
        make_mask(np.zeros((4, 4, 3), np.uint8), "blur", 0.5, 0)


def test_semantic_copies_are_one_mask_and_the_table_says_so() -> None:
    """The semantic masker hides the most salient cells: on an image without ties its K copies are
    one mask, a documented choice each difficulty table records (`pism_copies`)."""
    from harness.difficulty.maskers import COPIES

    pixels = np.random.default_rng(0).integers(0, 255, (56, 70, 3), dtype=np.uint8)
    masks = [make_mask(pixels, "semantic", 0.3, seed=mask_seed("item", 0.3, k)) for k in range(4)]
    assert all((m == masks[0]).all() for m in masks)
    assert not (
        make_mask(pixels, "patches", 0.3, seed=mask_seed("item", 0.3, 0))
        == make_mask(pixels, "patches", 0.3, seed=mask_seed("item", 0.3, 1))
    ).all()
    assert COPIES["semantic"].startswith("one mask") and set(COPIES) == set(MASKERS)
