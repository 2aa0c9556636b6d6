"""lmms-eval's task YAML read with libyaml's C parser instead of PyYAML's pure-Python one.

Why: every lmms-eval start indexes all of its task YAML files (about 3,000 with includes) (`TaskManager`), and
`lmms_eval.utils.load_yaml_config` reads each with `yaml.full_load`, PyYAML's pure-Python parser:
about 10 s of every `harness eval`, `harness score` and test that starts lmms-eval, on these CPUs.
The C parser reads the same files into the same Python objects about 5x faster.

What changes: only the parser. Documents are built by the same `FullConstructor`, with the
constructors lmms-eval registers on `yaml.FullLoader` (its `!function` tag) read at each call, so
whatever lmms-eval adds later is honoured. Only lmms-eval's own reference to `yaml` is replaced;
other libraries in the process keep PyYAML as it is. Where PyYAML was built without libyaml
(`yaml.__with_libyaml__` false) nothing is installed.
"""

from __future__ import annotations

import types
from typing import IO, Any

import yaml


class _CFullLoader(getattr(yaml, "CFullLoader", yaml.FullLoader)):  # type: ignore[misc]
    """libyaml's parser with `yaml.FullLoader`'s constructors (shared at each load, see `full_load`)."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        # PyYAML's Python reader keeps the file's name and the C parser does not: lmms-eval's
        # `!function` constructor finds `utils.py` next to the YAML file through `loader.name`.
        self.name = getattr(stream, "name", "<file>")


def full_load(stream: str | bytes | IO[Any]) -> Any:
    """`yaml.full_load`, parsed by libyaml: same documents, same constructors."""
    # lmms-eval calls `yaml.add_constructor("!function", ...)` before every load, which adds to
    # FullLoader's own table; reading that table here keeps the two loaders' constructors one set.
    _CFullLoader.yaml_constructors = yaml.FullLoader.yaml_constructors
    _CFullLoader.yaml_multi_constructors = yaml.FullLoader.yaml_multi_constructors
    return yaml.load(stream, Loader=_CFullLoader)


def _yaml_with_c_full_load() -> types.ModuleType:
    module = types.ModuleType("yaml", "PyYAML, with full_load parsed by libyaml (harness.lmms.fast_yaml)")
    module.__dict__.update({k: v for k, v in vars(yaml).items() if not k.startswith("__")})
    module.full_load = full_load  # type: ignore[attr-defined]
    return module


def install() -> bool:
    """Point lmms-eval's task-config reader at the C parser (idempotent). True when installed."""
    if not getattr(yaml, "__with_libyaml__", False):
        return False
    import lmms_eval.utils

    if getattr(lmms_eval.utils.yaml, "full_load", None) is not full_load:
        lmms_eval.utils.yaml = _yaml_with_c_full_load()
    return True
