"""Where the harness keeps generated data, models and the lmms-eval task folder."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent


def tasks_dir() -> Path:
    """The lmms-eval task folder passed as --include_path (the repository's `tasks/`).

    With HARNESS_DATA_DIR set, a copy whose benchmark tasks load their data from that folder
    (see harness.paper6.data)."""
    override = os.environ.get("HARNESS_TASKS_DIR")
    path = Path(override) if override else REPO_DIR / "tasks"
    if not path.is_dir():
        raise FileNotFoundError(
            f"task folder not found: {path} (install the harness from a source checkout, "
            "or set HARNESS_TASKS_DIR)"
        )
    from harness.paper6.data import data_dir, overlay_tasks_dir

    local = data_dir()
    return overlay_tasks_dir(path, local, data_root()) if local is not None else path


def data_root() -> Path:
    """Root for generated datasets and models (HARNESS_HOME, default <repo>/.cache/harness).

    lmms-eval runs with this as its working directory, so local task data paths in task YAMLs
    (`data_files: synth/...`) are relative to it.
    """
    override = os.environ.get("HARNESS_HOME")
    root = Path(override) if override else REPO_DIR / ".cache" / "harness"
    root.mkdir(parents=True, exist_ok=True)
    return root.resolve()
