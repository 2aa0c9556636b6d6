"""Which family a directory belongs to, and the refusals (named model type, before any weights)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from transformers import GPT2Config, MllamaConfig

from harness.models.families import GENERIC, UnsupportedModel, family_of, family_of_path, image_token_id
from harness.models.loader import load_model_and_processor
from harness.models.tiny import TINY_FAMILIES
from harness.models.tiny_generic import GENERIC_TINY_FAMILIES
from harness.synth.models import ensure_embedded_model


def _config_only(tmp_path: Path, config: object) -> Path:
    """A model directory with a config and no weights: a refusal must come from the config alone."""
    config.save_pretrained(tmp_path)  # type: ignore[attr-defined]
    return tmp_path


@pytest.mark.parametrize("family", [*TINY_FAMILIES, *GENERIC_TINY_FAMILIES])
def test_each_tiny_model_is_its_family(family: str, harness_home: Path) -> None:
    path = ensure_embedded_model(f"tiny-random-{family}")
    assert json.loads((path / "config.json").read_text())["model_type"] == family
    expected = family_of_path(path)
    assert family in expected.model_types if family in TINY_FAMILIES else expected.name == "generic"
    model, processor = load_model_and_processor(path)
    assert image_token_id(model.config, processor) == model.config.image_token_id


def test_a_text_only_model_is_refused_by_name(tmp_path: Path) -> None:
    path = _config_only(tmp_path, GPT2Config(n_layer=1, n_embd=8, n_head=1))
    with pytest.raises(UnsupportedModel, match=r"model_type 'gpt2' is not an image-text-to-text model"):
        load_model_and_processor(path)


def test_a_cross_attention_vlm_is_refused_with_the_reason(tmp_path: Path) -> None:
    path = _config_only(tmp_path, MllamaConfig())
    with pytest.raises(
        UnsupportedModel, match=r"'mllama' is not supported: images enter through cross-attention"
    ):
        load_model_and_processor(path)


def test_an_unknown_model_type_is_refused_by_name(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "no_such_vlm"}))
    with pytest.raises(UnsupportedModel, match="no_such_vlm"):
        family_of_path(tmp_path)


def test_other_image_text_to_text_families_are_generic() -> None:
    from transformers import AutoConfig

    for model_type in ("smolvlm", "gemma3", "llava_onevision", "internvl"):
        family = family_of(AutoConfig.for_model(model_type))
        assert family is GENERIC
        assert family.cmab_strategy == "eager"


def test_processor_and_config_must_agree_on_the_image_token(harness_home: Path) -> None:
    model, processor = load_model_and_processor(ensure_embedded_model("tiny-random-qwen2_vl"))
    model.config.image_token_id += 1
    with pytest.raises(UnsupportedModel, match="image token id"):
        image_token_id(model.config, processor)
