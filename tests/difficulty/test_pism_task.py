from __future__ import annotations

import numpy as np
from PIL import Image

from harness.difficulty.maskers import apply_mask
from harness.difficulty.pism_task import doc_to_text, doc_to_visual, expand_units, source_doc, unit_id


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
