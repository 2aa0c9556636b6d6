"""Synthetic suites written as local datasets (parquet with image bytes) that lmms-eval tasks load."""

from __future__ import annotations

import json
import random
from collections.abc import Collection
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import datasets

from harness.core.files import atomic_write, atomic_write_json
from harness.core.paths import data_root
from harness.core.records import content_hash
from harness.synth.formats import BENCHMARKS, Row
from harness.synth.scene import png_bytes, render

FEATURES = datasets.Features(
    {
        "item_id": datasets.Value("string"),
        "question": datasets.Value("string"),
        "answer": datasets.Value("string"),
        "answer_type": datasets.Value("string"),
        "choices": datasets.Sequence(datasets.Value("string")),
        "keywords": datasets.Sequence(datasets.Value("string")),
        "skill": datasets.Value("string"),
        "difficulty": datasets.Value("int32"),
        "rationale": datasets.Value("string"),
        "format": datasets.Value("string"),
        "cluster": datasets.Value("string"),
        "scene": datasets.Value("string"),
        "content_hash": datasets.Value("string"),
        "image": datasets.Image(),
    }
)

# Bump when a generator changes what it stores (drawings, questions, rationales): stored suites
# are then rebuilt.
GENERATOR_VERSION = 5


@dataclass(frozen=True)
class SuiteSpec:
    """A synthetic dataset: which benchmark formats (cycled), how many items, which seed."""

    name: str
    formats: tuple[str, ...]
    n: int
    seed: int
    split: str = "test"
    # Other suites whose items this one must not contain (by content hash): the pool vs benchmarks.
    disjoint_from: tuple[str, ...] = ()
    # Background of each figure, drawn per figure (harness.synth.scene.BACKGROUNDS).
    backgrounds: tuple[str, ...] = ("white",)


BENCHMARK_SUITES = tuple(BENCHMARKS)
# Items per synthetic benchmark: enough that a paired comparison of two checkpoints detects a 5-point
# change with 80% power (MDE <= 5 points) when they disagree on up to 30% of the items
# (`harness power --effect 0.05 --discordance 0.3`: 975). GRPO checkpoints of the embedded model
# disagree with it on 9-36% of the items (48% for one that collapsed); at the earlier 240 items the
# MDE was 5.4-11 points. The first 240 items are the earlier benchmarks' own (each unit is seeded
# on its own), and the pool and pretrain suites, which exclude the benchmarks' items, are unchanged.
BENCHMARK_ITEMS = 1000
SUITES: dict[str, SuiteSpec] = {
    **{
        name: SuiteSpec(name, (name,), BENCHMARK_ITEMS, seed=1000 + i)
        for i, name in enumerate(BENCHMARK_SUITES)
    },
    # Drawn from for difficulty scoring and GRPO / SFT subsets.
    "pool": SuiteSpec("pool", BENCHMARK_SUITES, 3000, seed=7, split="train", disjoint_from=BENCHMARK_SUITES),
    # The base model's SFT data, disjoint from the pool too: the pool must be unseen by the model
    # whose difficulty scores select from it, as a real training pool is.
    "pretrain": SuiteSpec(
        "pretrain",
        BENCHMARK_SUITES,
        6000,
        seed=11,
        split="train",
        disjoint_from=(*BENCHMARK_SUITES, "pool"),
        backgrounds=("white", "white", "black", "grey"),
    ),
    # 40 quick items for smoke tests.
    "mini": SuiteSpec("mini", ("mathvista", "mmstar"), 40, seed=20261127),
}


def suite_path(name: str, root: Path | None = None) -> Path:
    spec = SUITES[name]
    return (root or data_root()) / "synth" / name / f"{spec.split}.parquet"


def _draw(fmt: str, seed: int, unit: int) -> list[Row]:
    """The rows of one generation unit; a unit whose objects do not fit is redrawn (seeded)."""
    for attempt in range(50):
        try:
            return BENCHMARKS[fmt](random.Random(f"{seed}:{unit}:{attempt}"))
        except RuntimeError:
            continue
    raise RuntimeError(f"{fmt}: could not draw unit {unit}")


def generate_rows(spec: SuiteSpec, exclude_hashes: Collection[str] = ()) -> dict[str, list[Any]]:
    """Column data of a suite: at least `spec.n` items (a figure's questions stay together)."""
    cols: dict[str, list[Any]] = {k: [] for k in FEATURES}
    unit = 0
    while len(cols["item_id"]) < spec.n:
        fmt = spec.formats[unit % len(spec.formats)]
        rows = _draw(fmt, spec.seed, unit)
        if len(spec.backgrounds) > 1:
            rows[0].scene.background = random.Random(f"{spec.seed}:{unit}:bg").choice(spec.backgrounds)
        png = png_bytes(render(rows[0].scene))
        hashes = [content_hash(r.question, png, r.answer) for r in rows]
        unit += 1
        if any(h in exclude_hashes for h in hashes):
            continue
        figure = f"{spec.name}-{unit - 1:05d}"
        for j, (row, h) in enumerate(zip(rows, hashes, strict=True)):
            cols["item_id"].append(figure if len(rows) == 1 else f"{figure}-q{j}")
            cols["question"].append(row.question)
            cols["answer"].append(row.answer)
            cols["answer_type"].append(row.answer_type)
            cols["choices"].append(row.choices)
            cols["keywords"].append(row.keywords)
            cols["skill"].append(row.skill)
            cols["difficulty"].append(row.difficulty)
            cols["rationale"].append(row.rationale)
            cols["format"].append(fmt)
            cols["cluster"].append(figure if len(rows) > 1 else None)
            cols["scene"].append(row.meta_json())
            cols["content_hash"].append(h)
            cols["image"].append({"bytes": png, "path": None})
    return cols


def build_suite(name: str, root: Path | None = None, force: bool = False) -> Path:
    """Write the suite's parquet file (and a manifest) unless an up-to-date one exists."""
    if name not in SUITES:
        raise KeyError(f"unknown synthetic suite {name!r}; known: {sorted(SUITES)}")
    spec = SUITES[name]
    path = suite_path(name, root)
    manifest_path = path.with_name("manifest.json")
    # Round-trip through JSON so the comparison with the stored manifest is like for like.
    manifest = json.loads(json.dumps({"spec": asdict(spec), "generator_version": GENERATOR_VERSION}))
    if path.exists() and not force and manifest_path.exists():
        stored = json.loads(manifest_path.read_text())
        if {k: stored.get(k) for k in manifest} == manifest:
            return path
    exclude: set[str] = set()
    for other in spec.disjoint_from:
        other_data = datasets.load_dataset("parquet", data_files=str(build_suite(other, root)), split="train")
        exclude.update(other_data["content_hash"])
    cols = generate_rows(spec, exclude)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda tmp: datasets.Dataset.from_dict(cols, features=FEATURES).to_parquet(str(tmp)))
    manifest["n"] = len(cols["item_id"])
    atomic_write_json(manifest_path, manifest)
    return path


TASK_PREFIX = "harness_synth_"
SUITE_GROUP = "harness_synth6"


def ensure_task_data(tasks: list[str], root: Path | None = None) -> list[Path]:
    """Build the local data of every synthetic task (or the six-task group) named; others are
    left to lmms-eval."""
    names: list[str] = []
    for task in tasks:
        if task == SUITE_GROUP:
            names.extend(BENCHMARK_SUITES)
        elif task.startswith(TASK_PREFIX) and task[len(TASK_PREFIX) :] in SUITES:
            names.append(task[len(TASK_PREFIX) :])
    return [build_suite(name, root) for name in dict.fromkeys(names)]
