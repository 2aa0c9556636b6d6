"""Where the harness finds its shipped files and keeps what it generates.

Everything the harness ships (task folders, presets, the embedded model) is package data, found
through the package, so an installed wheel runs from any directory. Generated data and models go
under the data root: $HARNESS_HOME, else the user cache ($XDG_CACHE_HOME/harness, ~/.cache/harness).
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent
TASKS_ENV = "HARNESS_TASKS_DIR"
HOME_ENV = "HARNESS_HOME"


def tasks_dir() -> Path:
    """The lmms-eval task folder shipped with the package (or $HARNESS_TASKS_DIR).

    Benchmarks read from local copies (`--data-dir`) run from a copy of this folder instead:
    `harness.paper6.data.include_path()` gives the folder to pass as --include_path."""
    override = os.environ.get(TASKS_ENV)
    path = Path(override) if override else PACKAGE_DIR / "tasks"
    if not path.is_dir():
        raise FileNotFoundError(
            f"task folder not found: {path} (check ${TASKS_ENV} or reinstall the harness)"
        )
    return path


def data_root() -> Path:
    """Root for generated datasets and models, created on first use.

    lmms-eval runs with this as its working directory, so local task data paths in task YAMLs
    (`data_files: synth/...`) are relative to it.
    """
    override = os.environ.get(HOME_ENV)
    if override:
        root = Path(override).expanduser()
    else:
        cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        root = Path(cache) / "harness"
    root.mkdir(parents=True, exist_ok=True)
    return root.resolve()
