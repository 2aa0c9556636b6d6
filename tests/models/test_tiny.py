from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from PIL import Image

from harness.models.loader import load_model_and_processor, model_identity, weights_hash
from harness.models.tiny import TinyVLMConfig, build_tiny_vlm


def _generate(path: Path, n_tokens: int = 8) -> list[str]:
    model, processor = load_model_and_processor(path)
    msgs = [
        [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": q}]}]
        for q in ("What colour is the square?", "How many circles are there?")
    ]
    texts = processor.apply_chat_template(msgs, add_generation_prompt=True, tokenize=False)
    images = [Image.new("RGB", (100, 80), "red"), Image.new("RGB", (300, 200), "blue")]
    inputs = processor(text=texts, images=images, return_tensors="pt", padding=True, padding_side="left")
    out = model.generate(**inputs, max_new_tokens=n_tokens, do_sample=False)
    return processor.batch_decode(out[:, inputs["input_ids"].shape[1] :], skip_special_tokens=True)


def test_tiny_model_is_a_standard_hf_directory(tiny_model: Path) -> None:
    config = json.loads((tiny_model / "config.json").read_text())
    assert config["model_type"] == "qwen2_5_vl"
    proc = json.loads((tiny_model / "processor_config.json").read_text())
    assert proc["processor_class"] == "Qwen2_5_VLProcessor"
    assert {"image_processor", "video_processor"} <= set(proc)
    # Small enough to ship: a few MB.
    assert (tiny_model / "model.safetensors").stat().st_size < 10 * 2**20


def test_tiny_model_generates_input_dependent_text(tiny_model: Path) -> None:
    answers = _generate(tiny_model)
    assert all(a.strip() for a in answers)
    assert answers[0] != answers[1]


def test_same_seed_same_weights_other_seed_differs(tmp_path: Path, tiny_model: Path) -> None:
    again = build_tiny_vlm(tmp_path / "again", TinyVLMConfig(seed=0))
    other = build_tiny_vlm(tmp_path / "other", TinyVLMConfig(seed=1))
    assert weights_hash(again) == weights_hash(tiny_model)
    assert weights_hash(other) != weights_hash(tiny_model)
    assert _generate(again) == _generate(tiny_model)
    # Tokenizers trained from the same corpus are identical too.
    assert (again / "tokenizer.json").read_bytes() == (tiny_model / "tokenizer.json").read_bytes()


def test_mrope_section_is_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="mrope_section"):
        build_tiny_vlm(tmp_path / "bad", TinyVLMConfig(mrope_section=(4, 4, 4)))


def test_identity_records_path_and_weights(tiny_model: Path) -> None:
    ident = model_identity(tiny_model)
    assert ident.path == str(tiny_model.resolve())
    assert ident.weights_hash and len(ident.weights_hash) == 16


@pytest.mark.slow  # 8-10 s: in `make test`, kept out of the edit loop (`make test-fast`)
def test_loader_works_without_torchvision(tiny_model: Path) -> None:
    """Block torchvision at import time in a fresh interpreter: the loader must still work."""
    code = f"""
import sys
sys.modules["torchvision"] = None  # any `import torchvision` now raises ImportError
from harness.models.loader import load_model_and_processor
from PIL import Image
m, p = load_model_and_processor({str(tiny_model)!r})
msgs = [[{{"role": "user", "content": [{{"type": "image"}}, {{"type": "text", "text": "hi"}}]}}]]
text = p.apply_chat_template(msgs, add_generation_prompt=True, tokenize=False)
inp = p(text=text, images=[Image.new("RGB", (64, 64), "red")], return_tensors="pt")
out = m.generate(**inp, max_new_tokens=4, do_sample=False)
assert "torchvision" not in [k for k, v in sys.modules.items() if v is not None]
print("OK", out.shape[1] > inp["input_ids"].shape[1])
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "OK True" in proc.stdout


def test_auto_processor_loads_the_same_directory(tiny_model: Path) -> None:
    """With torchvision importable, transformers' AutoProcessor reads our directory as standard."""
    pytest.importorskip("torchvision")
    from transformers import AutoProcessor

    auto = AutoProcessor.from_pretrained(tiny_model)
    _, ours = load_model_and_processor(tiny_model)
    assert type(auto).__name__ == "Qwen2_5_VLProcessor"
    msgs = [[{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "hi"}]}]]
    text = ours.apply_chat_template(msgs, add_generation_prompt=True, tokenize=False)
    image = Image.new("RGB", (112, 112), "red")
    a = auto(text=text, images=[image], return_tensors="pt")
    b = ours(text=text, images=[image], return_tensors="pt")
    assert torch.equal(a["input_ids"], b["input_ids"])
    assert torch.equal(a["image_grid_thw"], b["image_grid_thw"])
    # Same pixels up to the torch-vs-PIL resize/normalise backends.
    assert torch.allclose(a["pixel_values"], b["pixel_values"], atol=0.05)
