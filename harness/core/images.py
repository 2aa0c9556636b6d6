"""Dataset image cells as RGB PIL images, with errors that name the item."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
from PIL import ExifTags, Image, ImageFile, ImageOps

# Refuse images above this many pixels before decoding them (a decompression bomb: a few KB of PNG
# that expands to gigabytes). PIL only warns between its limit and twice it; we refuse at it.
MAX_PIXELS = Image.MAX_IMAGE_PIXELS or 89_478_485
# Qwen2-VL-family processors raise on images whose long side is over 200 times the short one (a
# single text line of an OCR set can be), which would stop a whole evaluation at that item.
MAX_ASPECT = 200


def decode_image(value: Any, where: str) -> Image.Image:
    """A dataset image cell ({bytes, path} as stored, or a PIL image) as an upright RGB PIL image.

    Cells should reach this undecoded (`keep_image_bytes`), so that every image passes the same
    checks: the pixel limit before decoding, truncated data refused (lmms-eval lets PIL pad it with
    black process-wide), EXIF orientation applied (as `datasets` does), odd modes converted. Every
    error names the item."""
    if value is None:
        raise ValueError(f"{where}: image missing")
    image = _open(value, where) if isinstance(value, dict) else value
    if not isinstance(image, Image.Image):
        raise ValueError(f"{where}: image is a {type(image).__name__}, not a PIL image")
    if min(image.size) < 1:
        raise ValueError(f"{where}: image of {image.size[0]}x{image.size[1]} pixels is empty")
    return _within_aspect(_to_rgb(_upright(image)))


def _cell_bytes(value: dict[str, Any], where: str) -> bytes:
    data = value.get("bytes")
    path = value.get("path")
    if not data and path:
        file = Path(str(path)).expanduser()
        if not file.is_file():
            raise ValueError(f"{where}: image file not found: {file}")
        data = file.read_bytes()
    if not data:
        raise ValueError(f"{where}: image has no bytes")
    return bytes(data)


def _open(value: dict[str, Any], where: str) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(_cell_bytes(value, where)))  # reads the header only
    except ValueError:
        raise
    except Exception as e:  # PIL raises several unrelated types for bad bytes
        raise ValueError(f"{where}: cannot decode image ({e})") from e
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise ValueError(
            f"{where}: image of {width}x{height} pixels exceeds the limit of {MAX_PIXELS:,} "
            "(possible decompression bomb); not decoded"
        )
    # lmms-eval sets ImageFile.LOAD_TRUNCATED_IMAGES = True for the whole process, under which PIL
    # pads a file cut short with black and says nothing; a truncated image must be an error here.
    allowed = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        image.load()
    except Exception as e:
        raise ValueError(f"{where}: cannot decode image ({e})") from e
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = allowed
    return image


def _upright(image: Image.Image) -> Image.Image:
    """The image as a viewer shows it: EXIF orientation applied (a no-op without the tag)."""
    if image.getexif().get(ExifTags.Base.Orientation) is None:
        return image
    return ImageOps.exif_transpose(image)


def keep_image_bytes(dataset: Any) -> Any:
    """A `datasets` dataset whose image columns stay undecoded ({bytes, path}), so that
    `decode_image` sees every image before anything decodes it (used as tasks' process_docs)."""
    import datasets

    for name, feature in dataset.features.items():
        if isinstance(feature, datasets.Image) and feature.decode:
            dataset = dataset.cast_column(name, datasets.Image(decode=False))
    return dataset


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
