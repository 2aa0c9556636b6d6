"""The six benchmarks' data: fixtures in the real schemas load as the hub copies would, ids and
hashes are assigned before anything runs, and a local data folder replaces the hub."""

from pathlib import Path

import datasets as hf
import pytest

from harness.core.paths import tasks_dir
from harness.paper6.data import check_local_data, overlay_tasks_dir
from harness.paper6.registry import BENCHMARKS
from harness.paper6.tasks import identify, visuals
from tests.paper6 import fixtures


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fixtures.build_all(tmp_path_factory.mktemp("paper6-data"))


def _load(data_dir: Path, key: str) -> hf.Dataset:
    bench = BENCHMARKS[key]
    return bench.load(str(data_dir / bench.local_name))


@pytest.mark.parametrize("key", list(BENCHMARKS))
def test_fixtures_load_with_the_real_split_and_ids(data_dir: Path, key: str) -> None:
    bench = BENCHMARKS[key]
    docs = identify(_load(data_dir, key), bench)
    ids = docs["item_id"]
    assert len(ids) == len(set(ids)) > 0
    assert all(len(h) == 16 for h in docs["content_hash"])
    for doc in docs:
        images = visuals(doc, bench)
        asked_without_image = key == "hallusion" and doc["visual_input"] == "0"
        assert (not images) if asked_without_image else (images and all(im.mode == "RGB" for im in images))
        assert bench.prompt(doc, {}).strip()
        assert bench.fields(doc)


def test_ids_are_the_datasets_own(data_dir: Path) -> None:
    assert identify(_load(data_dir, "mathvista"), BENCHMARKS["mathvista"])["item_id"][:2] == ["1", "2"]
    assert identify(_load(data_dir, "mmstar"), BENCHMARKS["mmstar"])["item_id"][0] == "0"
    hb = identify(_load(data_dir, "hallusion"), BENCHMARKS["hallusion"])
    assert hb["item_id"][0] == "VD_illusion_0_0_0"
    # Questions of one set share a cluster (figures and questions are paired within a set).
    assert hb["cluster"][:4] == ["VD_illusion_0"] * 4 and hb["cluster"][4] == "VS_chart_3"


def test_hallusion_is_the_whole_benchmark_with_the_image_free_questions(data_dir: Path) -> None:
    """Both hub splits in one: the VS question asked without its chart is there, with no image, so
    qAcc can pair it with the same question on the charts (lmms-eval runs the image split only)."""
    bench = BENCHMARKS["hallusion"]
    docs = identify(_load(data_dir, "hallusion"), bench)
    by_id = {d["item_id"]: d for d in docs}
    assert len(docs) == 7 and bench.size == 1129
    free = by_id["VS_chart_3_0_0"]
    assert free["visual_input"] == "0" and free["image"] is None and visuals(free, bench) == []
    assert {by_id[f"VS_chart_3_{f}_0"]["cluster"] for f in "012"} == {"VS_chart_3"}
    # A missing image on a question that has one is still an error naming the item.
    with pytest.raises(ValueError, match="VS_chart_3_1_0"):
        visuals({**by_id["VS_chart_3_1_0"], "image": None}, bench)


def test_mmmu_shows_the_images_its_question_names(data_dir: Path) -> None:
    docs = identify(_load(data_dir, "mmmu"), BENCHMARKS["mmmu"])
    assert len(visuals(docs[0], BENCHMARKS["mmmu"])) == 1
    assert len(visuals(docs[1], BENCHMARKS["mmmu"])) == 2


def _hashes(ds: hf.Dataset, key: str) -> dict[str, str]:
    docs = identify(ds, BENCHMARKS[key])
    return dict(zip(docs["item_id"], docs["content_hash"], strict=True))


def test_content_hash_follows_the_content_not_the_row_order(data_dir: Path) -> None:
    ds = _load(data_dir, "mmstar")
    forward = _hashes(ds, "mmstar")
    assert _hashes(ds.select([3, 2, 1, 0]), "mmstar") == forward
    raw = ds.cast_column("image", hf.Image(decode=False))
    swapped = raw.map(lambda d, i: {"image": raw[1]["image"] if i == 0 else d["image"]}, with_indices=True)
    changed = _hashes(swapped.cast_column("image", hf.Image()), "mmstar")
    assert changed["0"] != forward["0"] and changed["2"] == forward["2"]


def test_duplicate_ids_stop_the_run_naming_them(data_dir: Path) -> None:
    ds = _load(data_dir, "mmvet")
    doubled = hf.concatenate_datasets([ds, ds.select([1])])
    with pytest.raises(ValueError, match=r"duplicate item ids.*'v1_1'"):
        identify(doubled, BENCHMARKS["mmvet"])


def test_ocrbench_has_no_ids_so_they_come_from_content(data_dir: Path) -> None:
    ds = _load(data_dir, "ocrbench")
    ids = identify(hf.concatenate_datasets([ds, ds.select([0])]), BENCHMARKS["ocrbench"])["item_id"]
    assert ids[0].startswith("ocr-") and ids[-1] == ids[0] + "-2"
    assert identify(ds.select([3, 2, 1, 0]), BENCHMARKS["ocrbench"])["item_id"][3] == ids[0]


def test_a_missing_field_names_the_row(data_dir: Path) -> None:
    ds = _load(data_dir, "mmmu").remove_columns("id")
    with pytest.raises(ValueError, match=r"MMMU: document has no 'id' \(row 0 of the dataset\)"):
        identify(ds, BENCHMARKS["mmmu"])


def test_local_data_folder_rewrites_only_the_dataset_paths(data_dir: Path, tmp_path: Path) -> None:
    out = overlay_tasks_dir(tasks_dir(), data_dir, tmp_path)
    text = (out / "harness_paper6" / "harness_mmstar.yaml").read_text()
    assert f"dataset_path: {data_dir / 'MMStar'}" in text
    original = (tasks_dir() / "harness_paper6" / "harness_mmstar.yaml").read_text()
    assert text.replace(str(data_dir / "MMStar"), "Lin-Chen/MMStar") == original
    assert (out / "harness_synth" / "utils.py").exists()


def test_missing_local_copies_are_listed_before_anything_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fixtures.mmstar(tmp_path)
    monkeypatch.setenv("HARNESS_DATA_DIR", str(tmp_path))
    check_local_data(["harness_mmstar", "harness_synth6"])
    with pytest.raises(
        FileNotFoundError, match=r"MathVista.*huggingface-cli download --repo-type dataset AI4Math"
    ):
        check_local_data(["paper6"])


@pytest.mark.parametrize("key", list(BENCHMARKS))
def test_empty_questions_and_answers_name_the_item(data_dir: Path, key: str) -> None:
    bench = BENCHMARKS[key]
    doc = dict(identify(_load(data_dir, key), bench)[0])
    with pytest.raises(ValueError, match=repr(doc["item_id"])):
        bench.prompt({**doc, "question": "  "}, {})
    answer_field = {"hallusion": "gt_answer"}.get(key, "answer")
    with pytest.raises(ValueError, match=repr(doc["item_id"])):
        bench.fields({**doc, answer_field: None if key != "ocrbench" else []})
