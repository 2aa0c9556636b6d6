"""The harness installs as a wheel and runs from anywhere: task folders, presets, the embedded model
and the paper's numbers are package data, found through the package, not through the checkout.

The wheel is built from a copy of the sources (building in the checkout would write build/ and
*.egg-info there), installed with --no-deps into a fresh venv that sees this environment's
site-packages (for torch, lmms-eval, ...) but not the checkout, and run from an empty directory.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]


def _run(
    cmd: list[str], cwd: Path, env: dict[str, str], timeout: int = 600
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, (
        f"{' '.join(cmd)} exited {result.returncode}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("src")
    shutil.copytree(REPO / "harness", src / "harness", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, src / name)
    dist = tmp_path_factory.mktemp("dist")
    env = {**os.environ, "PIP_NO_INDEX": "1"}
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(dist),
            str(src),
        ],
        src,
        env,
    )
    (found,) = dist.glob("harness-*.whl")
    return found


def test_the_wheel_carries_the_package_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "harness/tasks/harness_synth/harness_synth6.yaml",
        "harness/tasks/harness_synth/utils.py",
        "harness/tasks/harness_paper6/harness_mmstar.yaml",
        "harness/tasks/harness_pism/utils.py",
        "harness/tasks/harness_cmab/harness_cmab.yaml",
        "harness/training/presets/tiny.yaml",
        "harness/synth/assets/tiny-base/model.safetensors",
        "harness/report/data/paper_reported_results.csv",
        "harness/py.typed",
    ):
        assert needed in names, f"{needed} is not in {wheel.name}"


@pytest.mark.slow
def test_installed_wheel_runs_the_embedded_default_from_an_empty_directory(
    wheel: Path, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())  # fmt: skip
    # The test environment's libraries, appended after the venv's own site-packages; a path added
    # by a .pth file is not a site directory, so the checkout's editable-install hook is not run.
    (site / "test-environment.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "HARNESS_TASKS_DIR")}
    env |= {
        "HARNESS_HOME": str(tmp_path / "home"),
        "PIP_NO_INDEX": "1",
        "PATH": f"{venv / 'bin'}:{env['PATH']}",
    }
    _run([str(python), "-m", "pip", "install", "--no-deps", "-q", str(wheel)], empty, env)

    where = _run(
        [
            str(python),
            "-c",
            "import harness, harness.core.paths as p; print(harness.__file__); print(p.tasks_dir())",
        ],
        empty,
        env,
    )
    module, tasks = where.stdout.split()
    assert Path(module).is_relative_to(site) and Path(tasks).is_relative_to(site), where.stdout
    assert not Path(module).is_relative_to(REPO)

    _run([str(venv / "bin" / "harness"), "eval", "--limit", "2", "--batch-size", "4", "--quiet"], empty, env)
    records = sorted((empty / "runs" / "eval" / "tiny-base").glob("*/records.parquet"))
    assert [p.parent.name for p in records] == [
        "harness_synth_hallusion", "harness_synth_mathvista", "harness_synth_mmmu",
        "harness_synth_mmstar", "harness_synth_mmvet", "harness_synth_ocrbench",
    ]  # fmt: skip
    assert all(len(pd.read_parquet(p)) == 2 for p in records)
    # Nothing was written next to the sources or in the checkout.
    assert sorted(p.name for p in empty.iterdir()) == ["runs"]
