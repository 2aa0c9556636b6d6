"""What every benchmark script shares: the machine description and how a result is written.

Each `bench_*.py` writes OUT/result.json (the figures) and OUT/section.md (its BENCHMARKS.md section,
rendered from those figures); `run_all.py` runs them all and joins the sections under one machine
description, so every number in BENCHMARKS.md comes from one invocation of `make bench`.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024**2
    except OSError:
        pass
    return None


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        )
        dirty = subprocess.run(["git", "status", "--porcelain"], capture_output=True, text=True).stdout
        return out.stdout.strip() + (" (uncommitted changes)" if dirty.strip() else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine() -> dict[str, Any]:
    """The facts that make a timing interpretable: hardware, threads, library versions, load."""
    gib = _memory_gib()
    return {
        "cpu": _cpu_model(),
        "cpus": os.cpu_count(),
        "memory_gib": round(gib, 1) if gib else None,
        "gpu": "none (CPU only)",
        "os": platform.platform(),
        "python": platform.python_version(),
        "torch": _version("torch"),
        "transformers": _version("transformers"),
        "lmms_eval": _version("lmms_eval"),
        "numpy": _version("numpy"),
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "unset"),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "commit": _git_commit(),
    }


def headline(figure: str, target: str = "", met: bool | None = None) -> dict[str, Any]:
    """The one line a benchmark contributes to BENCHMARKS.md's summary table."""
    return {"figure": figure, "target": target, "met": met}


def write(out: Path, result: dict[str, Any], section: str) -> None:
    """Save a benchmark's figures (with a `headline`) and its rendered section; print the section."""
    if "headline" not in result:
        raise ValueError("a benchmark result needs a headline for the summary table")
    out.mkdir(parents=True, exist_ok=True)
    (out / "result.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
    (out / "section.md").write_text(section.rstrip() + "\n")
    print(section)


def table(header: list[str], align: str, rows: list[list[object]]) -> str:
    """A Markdown table; `align` has one character per column: l (left) or r (right)."""
    marks = ["---" if a == "l" else "--:" for a in align]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(marks) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
