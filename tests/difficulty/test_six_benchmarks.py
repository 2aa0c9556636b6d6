"""PISM and CMAB of the paper's six benchmarks, from local copies in their real hub schemas
(tests/paper6/fixtures.py): a scoring row's images are the source task's own `doc_to_visual`, in
order (MathVista's `decoded_image`, MMMU's `image_1`, `image_2`, ...), every image of a unit is
masked at λ with a seed of its own, image-less HallusionBench questions are left out, and answers
are scored by the source task (issue: rows read only an `image` column, so MathVista and MMMU could
not be scored at all, and an MMMU item's second image was never shown)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from harness.core.errors import InputError
from harness.difficulty.cmab_plugin import PAYLOAD_MARKER
from harness.difficulty.cmab_task import cmab_rows
from harness.difficulty.cmab_task import doc_to_visual as cmab_visual
from harness.difficulty.cmab_task import process_results as cmab_results
from harness.difficulty.maskers import apply_mask, make_mask, mask_seed
from harness.difficulty.pism_task import doc_to_visual, expand_units, process_results
from harness.difficulty.source import load_source_docs, scoring_items, source_doc, source_row
from harness.paper6.data import DATA_DIR_ENV
from harness.paper6.registry import BENCHMARKS
from harness.paper6.tasks import hooks
from tests.paper6 import fixtures

# lmms-eval task loading in-process (seconds each) and one scoring run: in `make test` only.
pytestmark = pytest.mark.slow
KEYS = list(BENCHMARKS)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = fixtures.build_all(tmp_path_factory.mktemp("six") / "data")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(DATA_DIR_ENV, str(root))
        yield root


@pytest.fixture(scope="module")
def sources(data: Path) -> dict[str, tuple[list[dict[str, Any]], list[str]]]:
    return {key: load_source_docs(BENCHMARKS[key].task) for key in KEYS}


def _pixels(images: list[Image.Image]) -> list[np.ndarray]:
    return [np.asarray(image.convert("RGB")) for image in images]


def _same_images(got: list[Image.Image], expected: list[Image.Image]) -> None:
    assert len(got) == len(expected)
    for a, b in zip(_pixels(got), _pixels(expected), strict=True):
        assert a.shape == b.shape and np.array_equal(a, b)


@pytest.mark.parametrize("key", KEYS)
def test_rows_carry_the_source_tasks_own_images_in_order(sources: dict[str, Any], key: str) -> None:
    bench = BENCHMARKS[key]
    docs, prompts = sources[key]
    items = scoring_items(docs, prompts, bench.task, "PISM")
    assert items.docs and len(items.docs) + len(items.left_out) == len(docs)
    rows = cmab_rows(items.docs, items.prompts, bench.task, items.rows)
    for doc, prompt, common, row in zip(items.docs, items.prompts, items.rows, rows, strict=True):
        expected = hooks(key).doc_to_visual(doc)  # what the benchmark task shows the model
        assert expected
        _same_images(cmab_visual(row), expected)
        units = expand_units(doc, prompt, bench.task, [(0.0, 0), (0.0, 1)], "pixels", common=common)
        for unit in units:  # λ = 0 hides nothing: the PNG round trip is lossless
            _same_images(doc_to_visual(unit), expected)
        # Built here or passed in, the rows are the same.
        assert expand_units(doc, prompt, bench.task, [(0.0, 0)], "pixels") == units[:1]
        assert row["prompt"] == prompt == units[0]["prompt"]
        # Image cells stay out of the stored document; the other fields round-trip.
        stored = json.loads(row["source_doc"])
        assert stored["item_id"] == doc["item_id"] and stored["content_hash"] == doc["content_hash"]
        assert not any(isinstance(v, dict) and "bytes" in v for v in stored.values())


def test_mathvista_shows_decoded_image_not_its_path_column(sources: dict[str, Any]) -> None:
    docs, prompts = sources["mathvista"]
    doc = docs[2]  # stored as RGBA: decoded over white, as the benchmark task shows it
    assert isinstance(doc["image"], str) and doc["image"].startswith("images/")
    [unit] = expand_units(doc, prompts[2], "harness_mathvista_testmini", [(0.0, 0)], "rect")
    raw = Image.open(io.BytesIO(doc["decoded_image"]["bytes"]))
    assert raw.mode == "RGBA"
    [shown] = doc_to_visual(unit)
    assert shown.size == raw.size
    _same_images([shown], hooks("mathvista").doc_to_visual(doc))
    assert source_doc(unit)["image"] == doc["image"]  # the path field is the document's own


@pytest.mark.parametrize("masker", ["pixels", "patches", "semantic"])
def test_an_mmmu_item_with_two_images_masks_both_at_lambda(sources: dict[str, Any], masker: str) -> None:
    docs, prompts = sources["mmmu"]
    index = next(i for i, d in enumerate(docs) if d["item_id"] == "validation_Math_2")
    doc, prompt = docs[index], prompts[index]
    originals = hooks("mmmu").doc_to_visual(doc)
    assert len(originals) == 2 and originals[0].size != originals[1].size
    ratio, k = 0.3, 4
    [unit] = expand_units(doc, prompt, "harness_mmmu_val", [(ratio, k)], masker)
    masked = doc_to_visual(unit)
    assert len(masked) == 2
    for i, (image, original) in enumerate(zip(masked, originals, strict=True)):
        pixels = np.asarray(image)
        hidden = (pixels.sum(axis=2) == 0) & (np.asarray(original).sum(axis=2) > 0)
        w, h = original.size
        assert image.size == original.size
        assert int(hidden.sum()) == round(ratio * w * h)  # exactly λ of each image (maskers.py)
        # Each image has its own seed; the first keeps the single-image seed of (item, λ, k).
        expected = apply_mask(original, masker, ratio, doc["item_id"], k, index=i)
        assert np.array_equal(pixels, np.asarray(expected))
    first = make_mask(np.asarray(originals[0]), masker, ratio, mask_seed(doc["item_id"], ratio, k))
    assert np.array_equal(first, np.asarray(masked[0]).sum(axis=2) == 0)
    assert [m.tobytes() for m in doc_to_visual(unit)] == [m.tobytes() for m in masked]  # reproducible


def test_image_less_hallusion_items_are_left_out_with_a_count(
    sources: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    docs, prompts = sources["hallusion"]
    items = scoring_items(docs, prompts, "harness_hallusion", "CMAB")
    free = [d["item_id"] for d in docs if str(d["visual_input"]) == "0"]
    assert free and items.left_out == free
    assert f"CMAB of harness_hallusion: {len(free)} of {len(docs)} item(s)" in capsys.readouterr().err
    doc = next(d for d in docs if d["item_id"] == free[0])
    common = source_row(doc, prompts[docs.index(doc)], "harness_hallusion")
    assert common["images"] == []
    with pytest.raises(InputError, match=rf"{free[0]}.*no image.*PISM"):
        expand_units(doc, common["prompt"], "harness_hallusion", [(0.0, 0)], "rect")
    with pytest.raises(InputError, match=rf"{free[0]}.*no image.*CMAB"):
        cmab_rows([doc], [common["prompt"]], "harness_hallusion")


def _responses(doc: dict[str, Any], key: str) -> list[str]:
    target = BENCHMARKS[key].target(doc)
    return [target, f"The answer is {target}.", "zzz qqq"]


@pytest.mark.parametrize("key", KEYS)
def test_pism_and_cmab_score_through_the_source_task(sources: dict[str, Any], key: str) -> None:
    bench = BENCHMARKS[key]
    docs, prompts = sources[key]
    items = scoring_items(docs, prompts, bench.task, "PISM")
    for doc, prompt, common in zip(items.docs, items.prompts, items.rows, strict=True):
        [unit] = expand_units(doc, prompt, bench.task, [(0.5, 1)], "rect", common=common)
        [row] = cmab_rows([doc], [prompt], bench.task, [common])
        for response in _responses(doc, key):
            source = hooks(key).process_results(doc, [response])["record"]["score"]
            expected = None if source is None else float(source >= 0.5)
            record = process_results(unit, [response])["record"]
            assert record["score"] == expected and record["meta"]["source_score"] == source
            assert (
                record["content_hash"] == doc["content_hash"] and record["benchmark"] == f"pism:{bench.task}"
            )
            assert record["meta"]["pism_ratio"] == 0.5 and record["cluster"] == doc["item_id"]
            payload = response + PAYLOAD_MARKER + json.dumps({"rho_paper": 0.5, "rho_released": 0.4})
            cmab = cmab_results(row, [payload])["record"]
            assert cmab["score"] == expected and cmab["meta"]["rho_paper"] == 0.5


def test_score_pism_and_cmab_of_two_mmmu_items_end_to_end(data: Path, tmp_path: Path) -> None:
    """`harness score pism|cmab` on the local MMMU copy, the second item showing two images."""
    from harness import api

    pism = api.score_pism(
        api.ScorePismConfig(
            task="harness_mmmu_val",
            out=tmp_path / "pism",
            limit=2,
            ratios=(0.0, 0.5),
            k=2,
            max_new_tokens=4,
            batch_size=4,
            device="cpu",
        )
    )
    table = pd.read_parquet(tmp_path / "pism" / "difficulty.parquet")
    assert sorted(table["item_id"]) == ["validation_Art_Theory_1", "validation_Math_2"]
    assert set(table["pism_tier"]) <= {"easy", "medium", "hard", "unsolved", "unscored"}
    assert len(pism.table) == 2 and table["content_hash"].str.len().eq(16).all()
    attempts = [json.loads(line) for line in (tmp_path / "pism" / "attempts.jsonl").read_text().splitlines()]
    assert {a["item_id"] for a in attempts} == set(table["item_id"])
    units = pd.concat(pd.read_parquet(f) for f in (tmp_path / "pism" / "rounds").glob("*/units.parquet"))
    shown = units.groupby("pism_item_id")["images"].first().map(len).to_dict()
    assert shown == {"validation_Art_Theory_1": 1, "validation_Math_2": 2}
    cmab = api.score_cmab(
        api.ScoreCmabConfig(
            task="harness_mmmu_val",
            out=tmp_path / "cmab",
            limit=2,
            max_new_tokens=4,
            batch_size=2,
            device="cpu",
        )
    )
    items = {
        row["item_id"]: row
        for row in map(json.loads, (tmp_path / "cmab" / "items.jsonl").read_text().splitlines())
    }
    # Both images' tokens count as image tokens: the two-image item has more of them.
    assert items["validation_Math_2"]["image_tokens"] > items["validation_Art_Theory_1"]["image_tokens"] > 0
    assert len(cmab.table) == 2
