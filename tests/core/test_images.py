import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from harness.core.images import decode_image


def _bytes(image: Image.Image, fmt: str = "PNG") -> dict[str, object]:
    buf = io.BytesIO()
    image.save(buf, format=fmt)
    return {"bytes": buf.getvalue(), "path": None}


@pytest.mark.parametrize("mode", ["RGB", "L", "P", "CMYK", "1", "LA"])
def test_every_common_mode_becomes_rgb(mode: str) -> None:
    image = Image.new("RGB", (9, 7), (200, 30, 40)).convert(mode)
    fmt = "JPEG" if mode == "CMYK" else "PNG"
    out = decode_image(_bytes(image, fmt), "item 'x'")
    assert out.mode == "RGB" and out.size == (9, 7)


def test_transparent_pixels_show_over_white_not_black() -> None:
    image = Image.new("RGBA", (4, 4), (255, 0, 0, 0))
    assert decode_image(image, "x").getpixel((0, 0)) == (255, 255, 255)


def test_sixteen_bit_images_keep_their_contrast() -> None:
    arr = np.array([[0, 1000], [2000, 4000]], dtype=np.uint16)
    out = decode_image(Image.fromarray(arr), "x")  # mode I;16: a plain convert clips it all to white
    assert out.getpixel((0, 0)) == (0, 0, 0) and out.getpixel((1, 1)) == (255, 255, 255)


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        (None, "image missing"),
        ({"bytes": b"", "path": None}, "no bytes"),
        ({"bytes": b"\x89PNG\r\n\x1a\n broken", "path": None}, "cannot decode image"),
        ("images/1.png", "is a str, not a PIL image"),
    ],
)
def test_bad_cells_name_the_item(cell: object, message: str) -> None:
    with pytest.raises(ValueError, match=message) as info:
        decode_image(cell, "MMStar: item '7'")
    assert "MMStar: item '7'" in str(info.value)


def test_huge_images_are_refused_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    import harness.core.images

    monkeypatch.setattr(harness.core.images, "MAX_PIXELS", 100 * 100)
    cell = _bytes(Image.new("L", (200, 200)))
    with pytest.raises(ValueError, match=r"item '9'.*200x200.*decompression bomb"):
        decode_image(cell, "item '9'")
    assert decode_image(_bytes(Image.new("L", (100, 100))), "x").size == (100, 100)


@pytest.mark.parametrize("size", [(1000, 2), (3, 900), (1, 1), (201, 1)])
def test_extreme_shapes_are_padded_to_what_the_processor_accepts(size: tuple[int, int]) -> None:
    image = Image.new("RGB", size, (200, 10, 10))
    out = decode_image(image, "x")
    assert max(out.size) / min(out.size) <= 200
    assert out.size[0] >= size[0] and out.size[1] >= size[1]
    # Every original pixel is there, centred; only white was added.
    left, top = (out.size[0] - size[0]) // 2, (out.size[1] - size[1]) // 2
    assert np.array_equal(np.asarray(out.crop((left, top, left + size[0], top + size[1]))), np.asarray(image))
    assert np.asarray(out).sum() == np.asarray(image).sum() + 255 * 3 * (
        out.size[0] * out.size[1] - size[0] * size[1]
    )


def test_an_extreme_shape_reaches_the_model_processor(tiny_model: Path) -> None:
    from harness.models.processor import load_processor

    processor = load_processor(tiny_model)
    image = decode_image(Image.new("RGB", (2000, 4), "white"), "x")
    assert processor.image_processor(images=[image], return_tensors="pt")["pixel_values"].shape[0] > 0


def _noisy_png(size: tuple[int, int] = (64, 64)) -> bytes:
    rng = np.random.default_rng(0)
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (*size[::-1], 3), dtype=np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


def test_a_truncated_image_names_the_item_even_where_lmms_eval_allows_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """lmms-eval sets LOAD_TRUNCATED_IMAGES process-wide: PIL would fill the missing half with black."""
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    data = _noisy_png()
    with pytest.raises(ValueError, match=r"^item 'cut': cannot decode image .*truncated"):
        decode_image({"bytes": data[: len(data) // 2], "path": None}, "item 'cut'")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # the process-wide setting is left as it was
    assert decode_image({"bytes": data, "path": None}, "item 'whole'").size == (64, 64)


def test_exif_orientation_is_applied_as_datasets_does() -> None:
    """A phone photo stored sideways with an EXIF orientation tag is shown upright, whichever path
    decodes it (our bytes path, or `datasets` decoding to PIL first)."""
    import datasets

    image = Image.new("RGB", (40, 20), (10, 200, 30))
    exif = image.getexif()
    exif[0x0112] = 6  # rotate 90° clockwise to view
    buf = io.BytesIO()
    image.save(buf, format="JPEG", exif=exif)
    cell = {"bytes": buf.getvalue(), "path": None}
    ours = decode_image(cell, "item 'photo'")
    theirs = decode_image(datasets.Image().decode_example(cell), "item 'photo'")
    assert ours.size == theirs.size == (20, 40)


def test_an_image_stored_by_path_is_read_or_named(tmp_path: Path) -> None:
    path = tmp_path / "img.png"
    path.write_bytes(_noisy_png((8, 6)))
    assert decode_image({"bytes": None, "path": str(path)}, "item 'p'").size == (8, 6)
    with pytest.raises(ValueError, match=r"^item 'q': image file not found: .*missing\.png"):
        decode_image({"bytes": None, "path": str(tmp_path / "missing.png")}, "item 'q'")
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(ValueError, match=r"^item 'r': image has no bytes"):
        decode_image({"bytes": None, "path": str(tmp_path / "empty.png")}, "item 'r'")
