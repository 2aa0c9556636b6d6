"""lmms-eval's task configs read by libyaml (harness.lmms.fast_yaml) equal PyYAML's, `!function` included."""

from __future__ import annotations

from pathlib import Path

import lmms_eval
import lmms_eval.utils
import pytest
import yaml

from harness.lmms import fast_yaml, registry

HARNESS_TASKS = Path(__file__).resolve().parents[2] / "harness" / "tasks"
LMMS_TASKS = Path(lmms_eval.__file__).parent / "tasks"

pytestmark = pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML built without libyaml")


def _load(path: Path, loader: object, mode: str) -> object:
    """lmms-eval's own load_yaml_config with its module's `yaml` set to `loader`."""
    saved = lmms_eval.utils.yaml
    lmms_eval.utils.yaml = loader
    try:
        return lmms_eval.utils.load_yaml_config(str(path), mode=mode)
    finally:
        lmms_eval.utils.yaml = saved


def _plain(value: object) -> object:
    """A config with each `!function` replaced by where it lives (each load imports its module anew)
    and each tag left unconstructed (mode "simple") by its tag and value."""
    if isinstance(value, yaml.Node):
        return ("node", value.tag, _plain(value.value))
    if callable(value):
        return ("function", Path(value.__code__.co_filename).resolve(), value.__qualname__)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def test_harness_task_configs_are_identical_functions_included() -> None:
    # One file per task folder: each `!function` load executes the folder's utils.py again.
    folders = {
        p.parent: p
        for p in sorted(HARNESS_TASKS.rglob("*.yaml"), reverse=True)
        if "!function" in p.read_text()
    }
    paths = sorted(folders.values())
    assert len(paths) >= 4
    functions = 0
    for path in paths:
        slow = _plain(_load(path, yaml, "full"))
        fast = _plain(_load(path, fast_yaml._yaml_with_c_full_load(), "full"))
        assert fast == slow, path
        functions += str(slow).count("'function'")
    assert functions > 0  # the `!function` tag was exercised


def test_lmms_eval_task_configs_are_identical() -> None:
    # Every 10th of lmms-eval's own task files (with their includes), read as its task index reads them.
    paths = sorted(LMMS_TASKS.rglob("*.yaml"))[::10]
    assert len(paths) > 100
    for path in paths:
        try:
            slow = _load(path, yaml, "simple")
        except Exception as err:  # a broken upstream file must fail the same way
            with pytest.raises(type(err)):
                _load(path, fast_yaml._yaml_with_c_full_load(), "simple")
            continue
        assert _plain(_load(path, fast_yaml._yaml_with_c_full_load(), "simple")) == _plain(slow), path


def test_every_lmms_eval_process_gets_it_through_the_plugin_entry_point() -> None:
    saved = lmms_eval.utils.yaml
    lmms_eval.utils.yaml = yaml
    try:
        registry.manifests()  # what lmms-eval calls at `import lmms_eval.models`, CLI included
        assert lmms_eval.utils.yaml.full_load is fast_yaml.full_load
        assert lmms_eval.utils.yaml.add_constructor is yaml.add_constructor
        assert yaml.full_load is not fast_yaml.full_load  # other libraries keep PyYAML as it is
    finally:
        lmms_eval.utils.yaml = saved
