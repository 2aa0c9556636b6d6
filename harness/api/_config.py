"""What every stage config shares: fields that carry their CLI help, and checks on construction.

A stage config is a frozen dataclass. Its fields are the stage's options, each declared with
`option(...)` (default, help text, CLI details) so that the CLI is derived from the dataclass and
never restates it. On construction, values are coerced to the declared types where that is
unambiguous (a list to a tuple, a str to a Path) and every field is checked: a `Literal` field must
hold one of its values, and the config's own `check()` then tests what ties fields together. A
failed check raises `InputError` naming the option.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from harness.core.errors import InputError


def option(
    default: Any = dataclasses.MISSING,
    help: str = "",
    *,
    argument: bool = False,
    flags: tuple[str, ...] = (),
    envvar: str | None = None,
    min: float | None = None,
    max: float | None = None,
) -> Any:
    """A config field: its default, its help text, and how the CLI shows it (positional
    `argument`, other `flags`, an `envvar` the CLI option falls back to; the dataclass itself never
    reads the environment), and `min`/`max` bounds checked on construction."""
    meta = {"help": help, "argument": argument, "flags": flags, "envvar": envvar, "min": min, "max": max}
    if isinstance(default, (list, dict, set)):
        raise TypeError("use an immutable default (tuple) for config fields")
    return dataclasses.field(default=default, metadata=meta)


def cli_name(name: str) -> str:
    return "--" + name.replace("_", "-")


class StageConfig:
    """Base of the stage configs: coerces and checks fields after the dataclass __init__."""

    def __post_init__(self) -> None:
        hints = typing.get_type_hints(type(self))
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = _coerce(getattr(self, f.name), hints[f.name], f.name)
            object.__setattr__(self, f.name, value)
            lo, hi = f.metadata.get("min"), f.metadata.get("max")
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                if lo is not None and value < lo:
                    raise InputError(f"{cli_name(f.name)}: must be at least {lo}, got {value}")
                if hi is not None and value > hi:
                    raise InputError(f"{cli_name(f.name)}: must be at most {hi}, got {value}")
        self.check()

    def check(self) -> None:
        """Checks that tie several fields together (override); raise InputError naming options."""


def _non_none(tp: Any) -> tuple[Any, bool]:
    """(the type without None, whether None is allowed)."""
    if get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        return (args[0] if len(args) == 1 else tp), len(args) < len(get_args(tp))
    return tp, False


def _coerce(value: Any, tp: Any, name: str) -> Any:
    base, optional = _non_none(tp)
    if value is None:
        if optional:
            return None
        raise InputError(f"{cli_name(name)}: a value is required")
    origin = get_origin(base)
    if origin is Literal:
        allowed = get_args(base)
        if value not in allowed:
            raise InputError(f"{cli_name(name)}: {value!r} is not one of {', '.join(map(str, allowed))}")
        return value
    if base is Path:
        return Path(str(value).strip()).expanduser()
    if origin is tuple:
        args = get_args(base)
        if isinstance(value, (str, Path)):
            value = (value,)
        items = tuple(value)
        inner = args[0] if len(args) == 2 and args[1] is Ellipsis else None
        if inner is not None:
            return tuple(_coerce(v, inner, name) for v in items)
        if len(items) != len(args):
            raise InputError(f"{cli_name(name)}: expected {len(args)} values, got {len(items)}")
        return tuple(_coerce(v, a, name) for v, a in zip(items, args, strict=True))
    if base in (int, float) and isinstance(value, bool):
        raise InputError(f"{cli_name(name)}: expected a number, got {value!r}")
    if base is float and isinstance(value, int):
        return float(value)
    if base in (int, float, str, bool) and not isinstance(value, base):
        raise InputError(f"{cli_name(name)}: expected {base.__name__}, got {value!r}")
    return value
