"""The layering of docs/architecture.md holds: each layer imports only the layers below it (the
import-linter contract in pyproject.toml) and no two modules import each other, even indirectly."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import grimp

REPO = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).parent / "lint-imports"


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([str(LINT), "--no-cache"], cwd=root, env=env, capture_output=True, text=True)


def test_the_package_keeps_its_layers() -> None:
    result = _lint(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_an_import_upwards_breaks_the_contract(tmp_path: Path) -> None:
    """The check can fail: the bottom layer importing a stage is reported, naming the import."""
    shutil.copytree(
        REPO / "harness", tmp_path / "harness", ignore=shutil.ignore_patterns("*.safetensors", "__pycache__")
    )
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    constants = tmp_path / "harness" / "core" / "constants.py"
    constants.write_text(constants.read_text() + "\nimport harness.evaluation.runner  # noqa\n")
    result = _lint(tmp_path)
    assert result.returncode == 1
    assert "harness.core is not allowed to import harness.evaluation" in result.stdout
    assert "harness.core.constants -> harness.evaluation.runner" in result.stdout


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph.modules):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycles_between_modules() -> None:
    graph = grimp.build_graph("harness")
    # A package's __init__ re-exporting its own modules is not a cycle between modules.
    for module in list(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            if module == imported.rsplit(".", 1)[0] or imported == module.rsplit(".", 1)[0]:
                graph.remove_import(importer=module, imported=imported)
    assert _cycles(graph) == []


def test_the_cycle_check_finds_an_indirect_cycle() -> None:
    graph = grimp.build_graph("harness")
    # records -> tables (added) and tables -> constants -> records (added): one cycle of three.
    graph.add_import(importer="harness.core.records", imported="harness.core.tables")
    graph.add_import(importer="harness.core.constants", imported="harness.core.records")
    cycles = _cycles(graph)
    assert any(
        {"harness.core.records", "harness.core.tables", "harness.core.constants"} <= set(c) for c in cycles
    )
