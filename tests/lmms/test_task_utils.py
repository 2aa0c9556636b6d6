from __future__ import annotations

import io

import pytest
from PIL import Image

from harness.lmms.task_utils import RECORD_METRIC, doc_image, doc_to_text, exact_match_results


def _png(mode: str = "RGB") -> bytes:
    buf = io.BytesIO()
    Image.new(mode, (8, 8)).save(buf, format="PNG")
    return buf.getvalue()


def test_process_results_scores_and_carries_the_record() -> None:
    doc = {
        "item_id": "x1",
        "question": "q",
        "answer": "red",
        "image": Image.new("RGB", (4, 4)),
        "skill": "color",
    }
    out = exact_match_results("bench")(doc, ["<answer>Red</answer>"])
    assert out["acc"] == 1.0
    rec = out[RECORD_METRIC]
    assert rec["item_id"] == "x1" and rec["score"] == 1.0 and rec["parsed_answer"] == "Red"
    assert rec["benchmark"] == "bench" and rec["meta"] == {"skill": "color"} and rec["content_hash"]
    assert exact_match_results("bench")(doc, ["blue"])["acc"] == 0.0


@pytest.mark.parametrize("mode", ["L", "RGBA", "P", "1"])
def test_images_of_any_mode_become_rgb(mode: str) -> None:
    assert doc_image({"item_id": "a", "image": {"bytes": _png(mode)}}).mode == "RGB"


@pytest.mark.parametrize(
    ("image", "message"),
    [(None, "no image"), ({"bytes": b"not a png"}, "cannot decode"), ({"bytes": b""}, "no bytes")],
)
def test_bad_images_name_the_item(image: object, message: str) -> None:
    with pytest.raises(ValueError, match=f"item_id='bad1'.*{message}"):
        doc_image({"item_id": "bad1", "image": image})


def test_empty_question_names_the_item() -> None:
    with pytest.raises(ValueError, match="item_id='q9': empty or missing question"):
        doc_to_text({"item_id": "q9", "question": ""})
    assert doc_to_text({"question": "Q"}, {"pre_prompt": "<", "post_prompt": ">"}) == "<Q>"
