"""The harness_cmab plugin: what the model sees is the plain PIL path's pixels; payload round trip."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from lmms_eval.api.instance import Instance
from PIL import Image, ImageDraw

from harness.difficulty.cmab_plugin import HarnessCMAB, split_payload
from harness.models.processor import load_processor


def _image() -> Image.Image:
    img = Image.new("RGB", (112, 84), (250, 250, 250))
    ImageDraw.Draw(img).rectangle((10, 10, 60, 50), fill=(200, 30, 30))
    return img


def _request(model: HarnessCMAB, visuals: list[Any]) -> Instance:
    model.task_dict = {"t": {"test": [{"item_id": "a"}]}}
    args = ("What color?", {"max_new_tokens": 5, "temperature": 0}, lambda doc: visuals, 0, "t", "test")
    return Instance("generate_until", args, 0, {"task": "t", "doc_id": 0, "repeats": 1})


@pytest.fixture(scope="module")
def cmab(tiny_model: Path) -> HarnessCMAB:
    return HarnessCMAB(pretrained=str(tiny_model), device="cpu")


def test_model_receives_the_pixels_of_the_plain_pil_path(cmab: HarnessCMAB, tiny_model: Path) -> None:
    seen: list[torch.Tensor] = []
    hook = cmab.model.model.visual.register_forward_pre_hook(lambda mod, args: seen.append(args[0].clone()))
    try:
        [response] = cmab.generate_until([_request(cmab, [_image()])])
    finally:
        hook.remove()
    plain = load_processor(tiny_model).image_processor(images=[_image()], return_tensors="pt")["pixel_values"]
    assert seen, "the vision tower never ran"
    # Generation and the teacher-forced CMAB pass both see exactly the processor's own output.
    for pixels in seen:
        torch.testing.assert_close(pixels, plain, rtol=0, atol=0)
    # The released code's bug (a [0, 1] tensor rescaled by 1/255 again) would leave almost no
    # contrast: the normalised pixels would all sit near (0 - mean) / std.
    assert float(plain.std()) > 0.5
    _answer, stats = split_payload(response)
    assert stats is not None and stats["answer_tokens"] >= 0 and stats["layers"] == 4
    assert stats["image_tokens"] == 12 and stats["pre_image_text_tokens"] > 0


def test_every_image_of_a_request_counts_as_image_tokens(cmab: HarnessCMAB, tiny_model: Path) -> None:
    """Image positions are `input_ids == image_token_id`, so a two-image row (MMMU) counts both
    images' tokens: exactly the processor's own count for the two images."""
    images = [_image(), Image.new("RGB", (56, 84), (20, 40, 200))]
    [response] = cmab.generate_until([_request(cmab, images)])
    _answer, stats = split_payload(response)
    processor = load_processor(tiny_model)
    content: list[dict[str, Any]] = [
        {"type": "image"},
        {"type": "image"},
        {"type": "text", "text": "What color?"},
    ]
    text = processor.apply_chat_template([{"role": "user", "content": content}], add_generation_prompt=True)
    inputs = processor(text=[text], images=images, return_tensors="pt")
    both = int((inputs["input_ids"] == cmab.model.config.image_token_id).sum())
    merge = processor.image_processor.merge_size
    each = [int(thw.prod()) // merge**2 for thw in inputs["image_grid_thw"]]
    assert stats is not None and stats["image_tokens"] == both == sum(each)
    assert each[0] == 12 and each[1] > 0  # the first image alone: 12, as in the single-image test


def test_pre_scaled_tensors_are_refused(cmab: HarnessCMAB) -> None:
    scaled = torch.from_numpy(np.asarray(_image(), dtype=np.float32) / 255.0)
    with pytest.raises(TypeError, match="PIL images only"):
        cmab.generate_until([_request(cmab, [scaled])])


def test_split_payload_without_payload() -> None:
    assert split_payload("plain answer") == ("plain answer", None)


@pytest.mark.slow  # 8-10 s: in `make test`, kept out of the edit loop (`make test-fast`)
def test_plugins_register_whichever_module_is_imported_first() -> None:
    import subprocess
    import sys

    code = (
        "import harness.difficulty.cmab_plugin\n"
        "from lmms_eval.models import get_model\n"
        "print(get_model('harness_cmab').__name__, get_model('harness_vlm').__name__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split()[-2:] == ["HarnessCMAB", "HarnessVLM"]
