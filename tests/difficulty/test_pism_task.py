from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from harness.difficulty.maskers import apply_mask, mask_seed
from harness.difficulty.pism_task import doc_to_text, doc_to_visual, expand_units, source_doc, unit_id
from harness.difficulty.source import keep_row_image_bytes, png_bytes, row_images


def test_units_carry_the_source_document_and_mask_reproducibly() -> None:
    image = Image.new("P", (50, 40), 3)
    doc = {"item_id": "q1", "question": "Q?", "answer": "A", "choices": ["x", "y"], "image": image}
    rows = expand_units(doc, "Q? prompt", "harness_synth_mmstar", [(0.0, 0), (0.5, 2)], "rect")
    assert [r["item_id"] for r in rows] == [unit_id("q1", 0.0, 0), unit_id("q1", 0.5, 2)]
    assert rows[0]["sample_seed"] != rows[1]["sample_seed"]
    restored = source_doc(rows[1])
    assert restored["choices"] == ["x", "y"] and restored["answer"] == "A"
    assert restored["image"].size == (50, 40)
    masked = doc_to_visual(rows[1])[0]
    expected = apply_mask(image.convert("RGB"), "rect", 0.5, "q1", 2)
    assert np.array_equal(np.array(masked), np.array(expected))
    assert np.array_equal(np.array(doc_to_visual(rows[0])[0]), np.array(image.convert("RGB")))
    assert doc_to_text(rows[0]) == "Q? prompt"


def _two_image_row(image: Image.Image) -> dict[str, object]:
    cell = {"bytes": png_bytes(image), "path": None}
    return {"source_task": "t", "source_doc": '{"item_id": "q2"}', "prompt": "P", "images": [cell, cell]}


@pytest.mark.parametrize("masker", ["rect", "pixels", "patches"])
def test_each_image_of_a_unit_is_masked_with_a_seed_of_its_own(masker: str) -> None:
    """Two identical images of one unit get different masks (each has its own seed), both at λ;
    the first image's mask is the single-image mask of (item, λ, k)."""
    image = Image.new("RGB", (60, 45), (200, 120, 40))
    doc = {"item_id": "q2"}
    [unit] = expand_units(doc, "P", "t", [(0.4, 3)], masker, common=_two_image_row(image))
    first, second = (np.asarray(m).sum(axis=2) == 0 for m in doc_to_visual(unit))
    assert not np.array_equal(first, second)
    if masker != "rect":
        assert first.sum() == second.sum() == round(0.4 * 60 * 45)
    assert np.array_equal(first, np.asarray(apply_mask(image, masker, 0.4, "q2", 3)).sum(axis=2) == 0)
    assert unit["sample_seed"] == str(mask_seed("q2", 0.4, 3))


def test_a_precomputed_source_row_must_match_the_task_and_prompt() -> None:
    row = _two_image_row(Image.new("RGB", (8, 8), "red"))
    with pytest.raises(ValueError, match="another task or prompt"):
        expand_units({"item_id": "q2"}, "other prompt", "t", [(0.0, 0)], "rect", common=row)


def test_rows_survive_the_parquet_round_trip_of_the_runners_schema(tmp_path: Path) -> None:
    """What the runners write (`images`: a list of PNG cells) loads back undecoded through the
    task's process_docs, and shows the same images in the same order."""
    import datasets

    images = [Image.new("RGB", (30, 20), (10, 200, 30)), Image.new("RGB", (16, 24), (90, 10, 250))]
    row = {"item_id": "q3", "images": [{"bytes": png_bytes(i), "path": None} for i in images]}
    features = datasets.Features(
        {"item_id": datasets.Value("string"), "images": datasets.Sequence(datasets.Image())}
    )
    datasets.Dataset.from_list([row, {"item_id": "q4", "images": []}], features=features).to_parquet(
        str(tmp_path / "rows.parquet")
    )
    loaded = keep_row_image_bytes(
        datasets.load_dataset("parquet", data_files=str(tmp_path / "rows.parquet"))["train"]
    )
    assert isinstance(loaded[0]["images"][0], dict) and loaded[1]["images"] == []
    shown = row_images(loaded[0])
    assert [np.asarray(i).tolist() for i in shown] == [np.asarray(i).tolist() for i in images]
