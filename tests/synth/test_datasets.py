from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import datasets
import pytest

from harness.core.paths import tasks_dir
from harness.stats.power import mde_paired
from harness.synth.datasets import BENCHMARK_SUITES, SUITES, SuiteSpec, build_suite, generate_rows
from harness.synth.scene import Scene
from harness.synth.solver import solve
from harness.synth.suite import PROMPT_SUFFIX


def _load(path: Path) -> datasets.Dataset:
    return datasets.load_dataset("parquet", data_files=str(path), split="train")


def test_generation_is_deterministic_per_seed() -> None:
    spec = SuiteSpec("t", BENCHMARK_SUITES, 24, seed=5)
    a, b = generate_rows(spec), generate_rows(spec)
    assert a["content_hash"] == b["content_hash"]
    assert [i["bytes"] for i in a["image"]] == [i["bytes"] for i in b["image"]]
    other = generate_rows(SuiteSpec("t", BENCHMARK_SUITES, 24, seed=6))
    assert other["content_hash"] != a["content_hash"]


@pytest.fixture(scope="module")
def suites() -> dict[str, datasets.Dataset]:
    return {name: _load(build_suite(name)) for name in (*BENCHMARK_SUITES, "pool", "pretrain")}


def test_every_item_is_answerable_by_the_rule_solver(suites: dict[str, datasets.Dataset]) -> None:
    for name, ds in suites.items():
        for row in ds:
            meta = json.loads(row["scene"])
            expected = solve(meta["kind"], meta["params"], Scene.from_dict(meta["scene"]))
            if row["answer_type"] == "letter":
                got = row["choices"][ord(row["answer"]) - ord("A")]
            else:
                got = row["answer"]
            assert got == expected, f"{name} {row['item_id']}: stored {got!r}, solver {expected!r}"


def test_benchmarks_pool_and_pretrain_do_not_overlap(suites: dict[str, datasets.Dataset]) -> None:
    pool = set(suites["pool"]["content_hash"])
    pretrain = set(suites["pretrain"]["content_hash"])
    assert not pool & pretrain
    for name in BENCHMARK_SUITES:
        assert not pool & set(suites[name]["content_hash"]), name
        assert not pretrain & set(suites[name]["content_hash"]), name
    ids = [i for ds in suites.values() for i in ds["item_id"]]
    assert len(ids) == len(set(ids))


def test_suite_sizes_formats_and_clusters(suites: dict[str, datasets.Dataset]) -> None:
    for name in BENCHMARK_SUITES:
        assert len(suites[name]) >= SUITES[name].n
    assert len(suites["pool"]) >= 3000 and len(suites["pretrain"]) >= 6000
    assert set(suites["mmstar"]["answer_type"]) == {"letter"}
    assert set(suites["mathvista"]["answer_type"]) == {"number"}
    hall = suites["hallusion"].to_pandas()
    assert set(hall.answer) == {"yes", "no"}
    assert (hall.groupby("cluster").size() == 3).all()
    # Difficulty varies within every benchmark.
    for name in BENCHMARK_SUITES:
        assert set(suites[name]["difficulty"]) == {0, 1, 2}, name


def test_benchmarks_detect_five_points_and_keep_their_first_items(
    suites: dict[str, datasets.Dataset],
) -> None:
    for name in BENCHMARK_SUITES:
        # The size's reason (harness.synth.datasets): 80% power for 5 points at 30% discordant items.
        assert mde_paired(len(suites[name]), 0.3) <= 0.05, name
        # A larger benchmark only appends items: results on the earlier 240 stay comparable.
        head = generate_rows(replace(SUITES[name], n=24))["content_hash"]
        assert suites[name]["content_hash"][: len(head)] == head, name


def test_only_the_training_scenes_vary_their_background(suites: dict[str, datasets.Dataset]) -> None:
    """The benchmarks stay on white; the base model's data also has black and grey figures, so that
    a blank image is not out of its distribution."""

    def backgrounds(ds: datasets.Dataset) -> set[str]:
        return {json.loads(s)["scene"].get("background", "white") for s in ds["scene"]}

    for name in (*BENCHMARK_SUITES, "pool"):
        assert backgrounds(suites[name]) == {"white"}, name
    assert backgrounds(suites["pretrain"]) == {"white", "black", "grey"}
    black = next(row for row in suites["pretrain"] if '"background": "black"' in row["scene"])
    assert black["image"].getpixel((0, 0)) == (0, 0, 0)


def test_rationales_reach_the_answer(suites: dict[str, datasets.Dataset]) -> None:
    """Letter items walk the options up to the answer; yes/no items state what the question asks."""
    for row in suites["mmstar"].select(range(40)):
        walk = row["rationale"].split(". ")
        index = ord(row["answer"]) - ord("A")
        assert row["rationale"].endswith(f"{row['answer']} {row['choices'][index]} yes."), row["item_id"]
        assert sum(part.endswith(" no") for part in walk) == index, row["item_id"]
    for row in suites["hallusion"].select(range(30)):
        meta = json.loads(row["scene"])
        if meta["kind"] == "exists":
            assert (" no " in row["rationale"]) == (row["answer"] == "no"), row["item_id"]
        else:
            side = "left" if row["answer"] == "yes" else "right"
            assert f" is {side} of the " in row["rationale"], row["item_id"]


def test_build_is_cached_and_reproducible(tmp_path: Path) -> None:
    path = build_suite("mini", root=tmp_path)
    mtime = path.stat().st_mtime_ns
    assert build_suite("mini", root=tmp_path) == path and path.stat().st_mtime_ns == mtime
    again = build_suite("mini", root=tmp_path / "other")
    assert _load(path)["content_hash"] == _load(again)["content_hash"]


def test_unknown_suite() -> None:
    with pytest.raises(KeyError, match="unknown synthetic suite"):
        build_suite("nope")


def test_task_yaml_prompt_matches_training_prompt() -> None:
    from lmms_eval.utils import load_yaml_config

    default = load_yaml_config(str(tasks_dir() / "harness_synth" / "_default.yaml"), mode="simple")
    assert default["lmms_eval_specific_kwargs"]["default"]["post_prompt"] == PROMPT_SUFFIX


def test_tasks_load_offline_through_lmms_eval(tmp_path: Path) -> None:
    """lmms-eval's task manager finds our tasks and loads their local data without network."""
    import os

    from lmms_eval.tasks import TaskManager, get_task_dict

    from harness.core.paths import data_root
    from harness.synth.datasets import ensure_task_data

    ensure_task_data(["harness_synth6"])
    cwd = os.getcwd()
    os.chdir(data_root())
    try:
        manager = TaskManager(include_path=str(tasks_dir()))
        tasks = get_task_dict(["harness_synth6"], manager)
    finally:
        os.chdir(cwd)
    flat = {}
    for value in tasks.values():
        flat.update(value if isinstance(value, dict) else {})
    names = {getattr(k, "group_name", k) if not isinstance(k, str) else k for k in flat}
    assert {f"harness_synth_{b}" for b in BENCHMARK_SUITES} <= set(map(str, names))
    for task in flat.values():
        assert len(task.test_docs()) >= 240
