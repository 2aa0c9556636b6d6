"""Image maskers for PISM (docs/architecture.md §4): hide a fraction λ of an image, reproducibly.

Every masker is seeded by (item_id, λ, k, image index), so the k-th masked copy of an item at ratio λ
is the same image in every run, on every rank, in adaptive and exhaustive schedules alike. An item
with several images (MMMU) has each of them masked at the same λ with a seed of its own, so the
masks are independent across its images; the first image keeps the seed of (item_id, λ, k) alone,
so single-image items are masked exactly as before images had an index. Images of any
PIL mode are converted to RGB first (what the Qwen2.5-VL processor does anyway), and the result is
an RGB image of the same size with masked pixels set to black.

- `rect`: one black rectangle of width W·√λ and height H·√λ at a random position (the authors'
  released code).
- `pixels`: exactly round(λ·W·H) random pixels (the paper's text).
- `patches`: random cells of a grid aligned to the vision encoder's patch size (14 px for
  Qwen2.5-VL).
- `semantic`: the same grid, most informative cells first. Saliency of a cell = the standard
  deviation of its grey levels plus its mean absolute horizontal and vertical gradient: cells of flat
  background score 0 and are hidden last, cells with edges, text and object boundaries first. Ties
  (e.g. several flat cells) are broken by the seeded random order. So the K copies at one ratio
  differ only where cells tie: on an image without ties they are one mask, and PISM's K attempts
  are K samples of the answer to that one masked image (a deliberate choice: the most informative
  λ of the image is hidden, not a random λ of it).

Both grid maskers hide exactly round(λ·W·H) pixels on any image size: cells are taken in their
order, whole while they fit (edge cells, clipped by the image border, count their own pixels), and
the last one partly, in row-major order within it. Counting cells instead missed λ by up to 0.06
(patches) and 0.21 (semantic) on images whose sides are not multiples of the cell.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable

import numpy as np
from PIL import Image

RATIOS = tuple(round(0.1 * i, 1) for i in range(10))


def mask_seed(item_id: str, ratio: float, k: int, image: int = 0) -> int:
    """The seed of the k-th masked copy of an item's `image`-th image (0-based) at ratio λ (stable
    across runs and machines). Image 0 hashes (item_id, λ, k) alone, as it did before items had
    several images; image i > 0 appends `|i`, which no (item_id, λ, k) text can end with (its last
    two fields would be an integer k after a ratio with a decimal point), so no two seeds share text."""
    if image < 0:
        raise ValueError(f"image index must be >= 0, got {image}")
    suffix = f"|{image}" if image else ""
    digest = hashlib.sha256(f"{item_id}|{ratio:.4f}|{k}{suffix}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def _rgb_array(image: Image.Image) -> np.ndarray:
    return np.array(image if image.mode == "RGB" else image.convert("RGB"))


def _check_ratio(ratio: float) -> None:
    if not 0.0 <= ratio <= 1.0:
        raise ValueError(f"mask ratio must be in [0, 1], got {ratio}")


def rect_mask(shape: tuple[int, int], ratio: float, rng: np.random.Generator) -> np.ndarray:
    h, w = shape
    mh = min(h, round(h * math.sqrt(ratio)))
    mw = min(w, round(w * math.sqrt(ratio)))
    mask = np.zeros((h, w), dtype=bool)
    if mh and mw:
        y = int(rng.integers(0, h - mh + 1))
        x = int(rng.integers(0, w - mw + 1))
        mask[y : y + mh, x : x + mw] = True
    return mask


def pixel_mask(shape: tuple[int, int], ratio: float, rng: np.random.Generator) -> np.ndarray:
    """Exactly round(λ·H·W) pixels, uniformly without replacement, in O(W) memory per row: the
    count per row is drawn from the multivariate hypergeometric, then the columns within each row."""
    h, w = shape
    total = round(ratio * h * w)
    mask = np.zeros((h, w), dtype=bool)
    if total == 0:
        return mask
    per_row = rng.multivariate_hypergeometric(np.full(h, w), total)
    for row, count in enumerate(per_row):
        if count:
            mask[row, rng.choice(w, size=int(count), replace=False)] = True
    return mask


def _grid(shape: tuple[int, int], cell: int) -> tuple[int, int]:
    return math.ceil(shape[0] / cell), math.ceil(shape[1] / cell)


def _cells_to_mask(shape: tuple[int, int], cell: int, order: np.ndarray, ratio: float) -> np.ndarray:
    """Exactly round(λ·H·W) pixels: cells in `order` (row-major grid indices), whole while they fit,
    then the next one partly (its first pixels, row by row)."""
    h, w = shape
    gh, gw = _grid(shape, cell)
    total = round(ratio * h * w)
    rows = np.minimum(cell, h - np.arange(gh) * cell)  # pixel rows of each grid row (edge: fewer)
    cols = np.minimum(cell, w - np.arange(gw) * cell)
    sizes = (rows[order // gw] * cols[order % gw]).astype(np.int64)
    whole = int(np.searchsorted(np.cumsum(sizes), total, side="right"))
    grid = np.zeros(gh * gw, dtype=bool)
    grid[order[:whole]] = True
    mask = np.kron(grid.reshape(gh, gw), np.ones((cell, cell), dtype=bool)).astype(bool)[:h, :w]
    rest = total - int(sizes[:whole].sum())
    if rest > 0:
        gy, gx = divmod(int(order[whole]), gw)
        part = np.zeros(int(rows[gy]) * int(cols[gx]), dtype=bool)
        part[:rest] = True
        mask[gy * cell : gy * cell + rows[gy], gx * cell : gx * cell + cols[gx]] = part.reshape(
            rows[gy], cols[gx]
        )
    return mask


def patch_mask(shape: tuple[int, int], ratio: float, rng: np.random.Generator, cell: int = 14) -> np.ndarray:
    gh, gw = _grid(shape, cell)
    return _cells_to_mask(shape, cell, rng.permutation(gh * gw), ratio)


def _blocks(values: np.ndarray, cell: int) -> np.ndarray:
    """(gh, gw, cell*cell) view of a 2-D array padded with NaN to whole cells."""
    h, w = values.shape
    gh, gw = _grid((h, w), cell)
    padded = np.full((gh * cell, gw * cell), np.nan, dtype=np.float32)
    padded[:h, :w] = values
    return padded.reshape(gh, cell, gw, cell).transpose(0, 2, 1, 3).reshape(gh, gw, cell * cell)


def cell_saliency(pixels: np.ndarray, cell: int = 14) -> np.ndarray:
    """Per-cell saliency (row-major over the grid): grey-level std + mean |gradient|."""
    grey = pixels.astype(np.float32).mean(axis=2)
    gy = np.abs(np.diff(grey, axis=0, append=grey[-1:, :]))
    gx = np.abs(np.diff(grey, axis=1, append=grey[:, -1:]))
    spread = np.nanstd(_blocks(grey, cell), axis=2)
    edges = np.nanmean(_blocks(gx + gy, cell), axis=2)
    return (spread + edges).astype(np.float64).reshape(-1)


def semantic_mask(pixels: np.ndarray, ratio: float, rng: np.random.Generator, cell: int = 14) -> np.ndarray:
    shape = pixels.shape[:2]
    gh, gw = _grid(shape, cell)
    saliency = cell_saliency(pixels, cell)
    tiebreak = rng.permutation(gh * gw)
    # lexsort sorts by the last key first: saliency descending, then the random tie-break.
    order = np.lexsort((tiebreak, -saliency))
    return _cells_to_mask(shape, cell, order, ratio)


MASKERS = ("rect", "pixels", "patches", "semantic")
# What PISM's K copies at one ratio are, recorded in every difficulty table (`pism_copies`): the
# semantic masker hides the most informative cells, so its copies are one mask (up to ties).
COPIES = {
    "rect": "K independent masks",
    "pixels": "K independent masks",
    "patches": "K independent masks",
    "semantic": "one mask (most salient cells; copies differ only at ties), K sampled answers",
}


def make_mask(pixels: np.ndarray, masker: str, ratio: float, seed: int, cell: int = 14) -> np.ndarray:
    """Boolean (H, W) mask: True where the image is hidden."""
    _check_ratio(ratio)
    rng = np.random.default_rng(seed)
    shape = pixels.shape[:2]
    builders: dict[str, Callable[[], np.ndarray]] = {
        "rect": lambda: rect_mask(shape, ratio, rng),
        "pixels": lambda: pixel_mask(shape, ratio, rng),
        "patches": lambda: patch_mask(shape, ratio, rng, cell),
        "semantic": lambda: semantic_mask(pixels, ratio, rng, cell),
    }
    if masker not in builders:
        raise ValueError(f"unknown masker {masker!r}; choose one of {MASKERS}")
    return builders[masker]()


def apply_mask(
    image: Image.Image,
    masker: str,
    ratio: float,
    item_id: str,
    k: int,
    cell: int = 14,
    index: int = 0,
) -> Image.Image:
    """The k-th masked copy at ratio λ of `image`, the item's `index`-th image (RGB, same size,
    hidden pixels black)."""
    pixels = _rgb_array(image)
    if ratio == 0.0:
        return Image.fromarray(pixels)
    mask = make_mask(pixels, masker, ratio, mask_seed(item_id, ratio, k, index), cell)
    pixels = pixels.copy()
    pixels[mask] = 0
    return Image.fromarray(pixels)
