"""Synthetic suites written as local datasets (parquet with image bytes) that lmms-eval tasks load."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import datasets

from harness.paths import data_root
from harness.records import content_hash
from harness.synth.items import generate

FEATURES = datasets.Features(
    {
        "item_id": datasets.Value("string"),
        "question": datasets.Value("string"),
        "answer": datasets.Value("string"),
        "answer_type": datasets.Value("string"),
        "choices": datasets.Sequence(datasets.Value("string")),
        "skill": datasets.Value("string"),
        "cluster": datasets.Value("string"),
        "content_hash": datasets.Value("string"),
        "image": datasets.Image(),
    }
)


@dataclass(frozen=True)
class SuiteSpec:
    """A synthetic dataset: which skills, how many items, which seed."""

    name: str
    skills: tuple[str, ...]
    n: int
    seed: int
    split: str = "test"


# Bump when a generator changes what it draws: stored suites are then rebuilt.
GENERATOR_VERSION = 1

SUITES: dict[str, SuiteSpec] = {
    # The small smoke-test task evaluated by `make eval` until the full embedded suite exists.
    "mini": SuiteSpec("mini", ("color", "count"), 40, seed=20261127),
}


def suite_path(name: str, root: Path | None = None) -> Path:
    spec = SUITES[name]
    return (root or data_root()) / "synth" / name / f"{spec.split}.parquet"


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
    items = generate(list(spec.skills), spec.n, spec.seed)
    rows: dict[str, list[object]] = {k: [] for k in FEATURES}
    for i, item in enumerate(items):
        png = item.image_png()
        rows["item_id"].append(f"{name}-{spec.split}-{i:05d}")
        rows["question"].append(item.question)
        rows["answer"].append(item.answer)
        rows["answer_type"].append(item.answer_type)
        rows["choices"].append(item.choices)
        rows["skill"].append(item.skill)
        rows["cluster"].append(item.cluster)
        rows["content_hash"].append(content_hash(item.question, png, item.answer))
        rows["image"].append({"bytes": png, "path": None})
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    datasets.Dataset.from_dict(rows, features=FEATURES).to_parquet(str(tmp))
    tmp.replace(path)
    manifest["n"] = len(items)
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    return path


TASK_PREFIX = "harness_synth_"


def ensure_task_data(tasks: list[str], root: Path | None = None) -> list[Path]:
    """Build the local data of every synthetic task named (others are left to lmms-eval)."""
    built = []
    for task in tasks:
        if task.startswith(TASK_PREFIX) and task[len(TASK_PREFIX) :] in SUITES:
            built.append(build_suite(task[len(TASK_PREFIX) :], root))
    return built
