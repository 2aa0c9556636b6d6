"""Input checks shared by the paired tests: a silent NaN or misaligned pair would bias every result."""

from __future__ import annotations

from typing import Any

import numpy as np


def as_scores(x: Any, name: str, *, allow_2d: bool = False) -> np.ndarray:
    """Float array of per-item scores; a non-finite value is an error naming its position."""
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 1 and not (allow_2d and arr.ndim == 2):
        raise ValueError(f"{name} must be one-dimensional (one score per item), got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty: a comparison needs at least one item")
    bad = ~np.isfinite(arr)
    if bad.any():
        pos = tuple(int(i) for i in np.argwhere(bad)[0])
        where = pos[0] if len(pos) == 1 else pos
        raise ValueError(f"{name}[{where}] is {arr[pos]}: scores must be finite (drop unscored items first)")
    return arr


def as_pair(a: Any, b: Any, *, allow_2d: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Two item-aligned score arrays of the same shape."""
    x, y = as_scores(a, "a", allow_2d=allow_2d), as_scores(b, "b", allow_2d=allow_2d)
    if x.shape != y.shape:
        raise ValueError(f"a and b must be aligned by item: shapes {x.shape} and {y.shape} differ")
    return x, y


def as_clusters(cluster: Any, n: int) -> np.ndarray:
    """Cluster labels of any kind as integer codes 0..G-1; at least two clusters are needed."""
    labels = np.asarray(cluster)
    if labels.ndim != 1 or labels.shape[0] != n:
        raise ValueError(f"cluster must have one label per item ({n}), got shape {labels.shape}")
    if labels.dtype.kind == "f" and np.isnan(labels).any():
        raise ValueError(f"cluster[{int(np.argmax(np.isnan(labels)))}] is NaN")
    if labels.dtype == object and any(v is None for v in labels):
        raise ValueError(f"cluster[{next(i for i, v in enumerate(labels) if v is None)}] is None")
    _, codes = np.unique(labels, return_inverse=True)
    codes = codes.reshape(-1)
    if codes.max(initial=0) < 1:
        raise ValueError("clustered inference needs at least two clusters")
    return codes.astype(np.int64)


def check_level(level: float) -> float:
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level}")
    return float(level)


def check_resamples(n_resamples: int) -> int:
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be positive, got {n_resamples}")
    return int(n_resamples)


def check_units(n_units: int, what: str = "items") -> None:
    """A bootstrap over one unit has no variation: its shift p-value would be 1/(B+1) for any delta."""
    if n_units < 2:
        raise ValueError(f"the bootstrap needs at least two {what}, got {n_units}")


def is_binary(*arrays: np.ndarray) -> bool:
    return all(bool(np.all((x == 0.0) | (x == 1.0))) for x in arrays)


def discordant(a: np.ndarray, b: np.ndarray) -> tuple[int, int] | None:
    """(#a=1,b=0, #a=0,b=1) for binary scores, None otherwise."""
    if not is_binary(a, b):
        return None
    return int(np.sum((a == 1) & (b == 0))), int(np.sum((a == 0) & (b == 1)))
