"""Where the six benchmarks' data comes from: the hub (as lmms-eval loads it), or a local folder.

For air-gapped clusters, HARNESS_DATA_DIR (or `--data-dir`) names a folder holding a copy of each
dataset's hub repository, e.g. made with
`huggingface-cli download --repo-type dataset Lin-Chen/MMStar --local-dir $HARNESS_DATA_DIR/MMStar`.
Each benchmark is looked up as `<dir>/<repo name>` (MMStar, MathVista, ...) or `<dir>/<owner>/<repo>`.
The files are the same, so ids, content hashes and scores are the same as from the hub.

lmms-eval reads a task's dataset from its YAML and has no override, so the local case runs a copy of
the task folder whose six YAMLs name the local folders (the rest is copied unchanged).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections.abc import Iterable
from pathlib import Path

from harness.paper6.base import Benchmark
from harness.paper6.registry import BENCHMARKS, BY_TASK, GROUP

DATA_DIR_ENV = "HARNESS_DATA_DIR"
_DATASET_PATH = re.compile(r"^dataset_path:.*$", re.MULTILINE)


def data_dir() -> Path | None:
    value = os.environ.get(DATA_DIR_ENV, "").strip()
    return Path(value).expanduser().resolve() if value else None


def local_dataset_dir(root: Path, bench: Benchmark) -> Path:
    """The benchmark's folder under `root`; the error lists where it was looked for."""
    candidates = [root / bench.local_name, root / bench.hub_repo]
    for path in candidates:
        if path.is_dir():
            return path
    looked = " or ".join(str(p) for p in candidates)
    raise FileNotFoundError(
        f"{bench.title}: no local copy under {DATA_DIR_ENV}={root} (looked for {looked}); "
        f"download it with: huggingface-cli download --repo-type dataset {bench.hub_repo} "
        f"--local-dir {candidates[0]}"
    )


def benchmarks_in(tasks: Iterable[str]) -> list[Benchmark]:
    out: list[Benchmark] = []
    for name in tasks:
        if name == GROUP:
            out.extend(BENCHMARKS.values())
        elif name in BY_TASK:
            out.append(BY_TASK[name])
    return out


def check_local_data(tasks: Iterable[str]) -> None:
    """Fail before any model loads when a requested benchmark has no local copy."""
    root = data_dir()
    if root is None:
        return
    problems = []
    for bench in benchmarks_in(tasks):
        try:
            local_dataset_dir(root, bench)
        except FileNotFoundError as e:
            problems.append(str(e))
    if problems:
        raise FileNotFoundError("\n".join(problems))


def overlay_tasks_dir(source: Path, root: Path, cache: Path) -> Path:
    """A copy of the task folder `source` whose benchmark YAMLs load from local folders under `root`."""
    key = hashlib.sha256(f"{source.resolve()}|{root}".encode()).hexdigest()[:12]
    dest = cache / "tasks-local" / key
    staging = dest.with_name(dest.name + f".tmp{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(source, staging, ignore=shutil.ignore_patterns("__pycache__"))
    for bench in BENCHMARKS.values():
        for yaml_path in staging.rglob(f"{bench.task}.yaml"):
            try:
                local = local_dataset_dir(root, bench)
            except FileNotFoundError:
                continue  # check_local_data reports it if this benchmark is requested
            text = yaml_path.read_text()
            yaml_path.write_text(_DATASET_PATH.sub(f"dataset_path: {local}", text, count=1))
    # Replace the previous copy in one step, so a concurrent run never sees half a folder.
    old = dest.with_name(dest.name + f".old{os.getpid()}")
    if dest.exists():
        dest.rename(old)
    staging.rename(dest)
    shutil.rmtree(old, ignore_errors=True)
    return dest


def include_path() -> Path:
    """The task folder to give lmms-eval: the shipped one, or, with a data folder set
    (HARNESS_DATA_DIR / `--data-dir`), a copy whose benchmark YAMLs load from that folder."""
    from harness.core.paths import data_root, tasks_dir

    local = data_dir()
    return overlay_tasks_dir(tasks_dir(), local, data_root()) if local is not None else tasks_dir()


def datasets_cache_env(root: Path) -> dict[str, str]:
    """The `datasets` cache for benchmarks read from `root`, as lmms-eval's environment variable.

    lmms-eval loads a task's dataset with REUSE_DATASET_IF_EXISTS, and `datasets` keys the cache of a
    local folder with a hub-style README `configs:` block by the config alone, not by the folder or its
    files: a second, different copy would be served the first copy's cached items. The cache is
    therefore named after the folder and every file in it (path, size, modification time), so
    other files always mean another cache, and the same files reuse theirs."""
    from harness.core.paths import data_root

    root = root.expanduser().resolve()
    digest = hashlib.sha256(str(root).encode())
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        stat = path.stat()
        digest.update(f"\0{path.relative_to(root)}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    return {"LMMS_EVAL_DATASETS_CACHE": str(data_root() / "datasets-local" / digest.hexdigest()[:16])}
