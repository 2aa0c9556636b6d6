"""Dataset image cells as RGB PIL images, with errors that name the item."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from PIL import Image

# Refuse images above this many pixels before decoding them (a decompression bomb: a few KB of PNG
# that expands to gigabytes). PIL only warns between its limit and twice it; we refuse at it.
MAX_PIXELS = Image.MAX_IMAGE_PIXELS or 89_478_485
# Qwen2-VL-family processors raise on images whose long side is over 200 times the short one (a
# single text line of an OCR set can be), which would stop a whole evaluation at that item.
MAX_ASPECT = 200


def decode_image(value: Any, where: str) -> Image.Image:
    """A dataset image cell (PIL image, or {bytes, path} when not decoded) as an RGB PIL image.
    Odd modes (P, RGBA, L, I;16, CMYK) are converted; corrupt bytes raise naming the item."""
    if value is None:
        raise ValueError(f"{where}: image missing")
    image = value
    if isinstance(value, dict):
        data = value.get("bytes")
        if not data:
            raise ValueError(f"{where}: image has no bytes")
        try:
            image = Image.open(io.BytesIO(data))  # reads the header only
        except Exception as e:  # PIL raises several unrelated types for bad bytes
            raise ValueError(f"{where}: cannot decode image ({e})") from e
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise ValueError(
                f"{where}: image of {width}x{height} pixels exceeds the limit of {MAX_PIXELS:,} "
                "(possible decompression bomb); not decoded"
            )
        try:
            image.load()
        except Exception as e:
            raise ValueError(f"{where}: cannot decode image ({e})") from e
    if not isinstance(image, Image.Image):
        raise ValueError(f"{where}: image is a {type(image).__name__}, not a PIL image")
    if min(image.size) < 1:
        raise ValueError(f"{where}: image of {image.size[0]}x{image.size[1]} pixels is empty")
    return _within_aspect(_to_rgb(image))


def _within_aspect(image: Image.Image) -> Image.Image:
    """Pad (white, centred) the short side of an extremely elongated image up to MAX_ASPECT: the
    pixels are all kept, and the processor accepts it."""
    width, height = image.size
    if max(width, height) <= MAX_ASPECT * min(width, height):
        return image
    short = -(-max(width, height) // MAX_ASPECT)
    size = (width, short) if width > height else (short, height)
    canvas = Image.new("RGB", size, (255, 255, 255))
    canvas.paste(image, ((size[0] - width) // 2, (size[1] - height) // 2))
    return canvas


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        # Transparent pixels over white, as a viewer shows them (plain convert would make them black).
        rgba = image.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, (255, 255, 255))
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        return canvas
    if image.mode.startswith("I") or image.mode == "F":
        # 16/32-bit and float images: PIL's convert clips them to 0..255; stretch the range instead.
        arr = np.asarray(image, dtype=np.float64)
        lo, hi = float(arr.min()), float(arr.max())
        arr = (arr - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(arr)
        image = Image.fromarray(arr.astype(np.uint8), "L")
    return image.convert("RGB")
