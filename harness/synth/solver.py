"""A rule-based solver that answers synthetic items from their scene description alone.

It is written independently of the generators (which know their answers by construction), so
"the solver gets 100%" checks that every stored answer follows from what the image shows.
"""

from __future__ import annotations

from typing import Any

from harness.synth.scene import Obj, Scene


def _find(scene: Scene, **attrs: str) -> list[Obj]:
    return [o for o in scene.objects if all(getattr(o, k) == v for k, v in attrs.items())]


def _one(scene: Scene, **attrs: str) -> Obj:
    found = _find(scene, **attrs)
    if len(found) != 1:
        raise ValueError(f"ambiguous item: {len(found)} objects match {attrs}")
    return found[0]


def solve(kind: str, params: dict[str, Any], scene: Scene) -> str:
    """The answer (before any option-letter formatting) implied by the scene."""
    if kind == "count":
        return str(len(_find(scene, shape=params["shape"])))
    if kind == "color_of":
        return _one(scene, shape=params["shape"]).color
    if kind == "describe":
        obj = _one(scene, shape=params["shape"])
        return f"{obj.color} {obj.shape}"
    if kind == "shape_of":
        return _one(scene, color=params["color"]).shape
    if kind == "read":
        texts = [o.text for o in scene.objects if o.text is not None]
        if len(texts) != 1:
            raise ValueError(f"ambiguous item: {len(texts)} texts")
        return str(texts[0])
    if kind == "arithmetic":
        x, y = (int(str(o.text)) for o in scene.objects if o.text is not None)
        return str(x + y if params["op"] == "sum" else abs(x - y))
    if kind == "larger":
        first, second = _one(scene, color=params["a"]), _one(scene, color=params["b"])
        if first.area == second.area:
            raise ValueError("ambiguous comparison")
        return first.color if first.area > second.area else second.color
    if kind == "left_of":
        a = _one(scene, color=params["a"], shape=params["shape_a"])
        b = _one(scene, color=params["b"], shape=params["shape_b"])
        return "yes" if a.center_x < b.center_x else "no"
    if kind == "exists":
        return "yes" if _find(scene, shape=params["shape"], color=params["color"]) else "no"
    raise ValueError(f"unknown question kind {kind!r}")
