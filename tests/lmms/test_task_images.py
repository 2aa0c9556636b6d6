"""Every task hands its images to harness.core.images undecoded, so the pixel limit, the truncation
check and EXIF orientation apply to every image (issue: `datasets` decoded benchmark images first,
so a file cut short reached the model with its lower half black, and the pixel limit never ran)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from harness.difficulty.source import load_source_docs
from harness.paper6.data import DATA_DIR_ENV
from harness.paper6.tasks import hooks
from tests.paper6 import fixtures

# lmms-eval task loading in-process (seconds each): in `make test`, not in `make test-fast`.
pytestmark = pytest.mark.slow


def _cut_second_image(folder: Path) -> None:
    path = folder / "mmstar.parquet"
    table = pq.read_table(path)
    images = table.column("image").to_pylist()
    images[1] = {"bytes": images[1]["bytes"][: len(images[1]["bytes"]) // 2], "path": None}
    column = pa.array(images, type=table.schema.field("image").type)
    pq.write_table(table.set_column(table.schema.get_field_index("image"), "image", column), path)


def test_documents_carry_image_bytes_not_decoded_images(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synthetic, _ = load_source_docs("harness_synth_mini", limit=2)
    assert isinstance(synthetic[0]["image"], dict) and synthetic[0]["image"]["bytes"]
    fixtures.mmstar(tmp_path / "data")
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "data"))
    benchmark, _ = load_source_docs("harness_mmstar")
    assert isinstance(benchmark[0]["image"], dict) and benchmark[0]["image"]["bytes"]
    assert hooks("mmstar").doc_to_visual(benchmark[0])[0].mode == "RGB"


def test_a_truncated_benchmark_image_names_its_item(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _cut_second_image(fixtures.mmstar(tmp_path / "data"))
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "data"))
    docs, _ = load_source_docs("harness_mmstar")
    with pytest.raises(ValueError, match=r"MMStar: item '1' image: cannot decode image"):
        hooks("mmstar").doc_to_visual(docs[1])
    assert hooks("mmstar").doc_to_visual(docs[0])  # the others are fine
