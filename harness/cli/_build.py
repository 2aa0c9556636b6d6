"""CLI commands derived from the stage configs, and the one way every command handles errors.

`stage_command(app, "eval", EvaluateConfig)` registers a command whose options are the config's
fields (type, default, help, bounds, env var from `harness.api._config.option`); the handler gets
the constructed config. Typer reads a function's signature, so the command is a function whose
`__signature__` is built from the dataclass.

Errors: bad input (`InputError`, `ValueError`, a missing file) prints one line naming the item or
option and exits 2; a stage that ran and failed (`StageError`, e.g. `EvalError`) exits 1 with its reason; anything
else is reported in one line as a bug, exit 1. `harness --debug ...` (or HARNESS_DEBUG=1) shows the
traceback instead.
"""

from __future__ import annotations

import dataclasses
import errno
import inspect
import os
import types
import typing
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, get_args, get_origin

import typer
from rich.console import Console
from rich.markup import escape

from harness.api._config import StageConfig, cli_name
from harness.core.errors import StageError
from harness.scoring.verdict import JudgeError

C = TypeVar("C", bound=StageConfig)
err = Console(stderr=True, soft_wrap=True)
DEBUG = {"on": False}


def debug_from_env() -> bool:
    return os.environ.get("HARNESS_DEBUG", "").strip().lower() in {"1", "true", "yes", "on"}


@contextmanager
def errors_handled(command: str) -> Iterator[None]:
    """Turn exceptions into one line and an exit code (see the module docstring)."""
    try:
        yield
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except Exception as e:
        if DEBUG["on"]:
            raise
        if isinstance(e, (ValueError, FileNotFoundError, NotADirectoryError, IsADirectoryError)):
            code, what = 2, ""
        elif isinstance(e, (StageError, JudgeError, OSError)):
            # A stage that ran and stopped, a judge that gave up, a full disk or a refused write:
            # not the user's input and not a bug.
            code, what = 1, "failed: "
        else:
            code, what = 1, f"unexpected {type(e).__name__} (a bug; --debug shows the traceback): "
        message = str(e).strip() or type(e).__name__
        if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT):
            message += (
                " — free some space and rerun the same command: files are written whole or not at all, "
                "and evaluations and difficulty runs continue from the responses they kept"
            )
        err.print(f"[bold red]harness {command}:[/] {what}{escape(message)}", highlight=False, soft_wrap=True)
        raise typer.Exit(code) from e


def _cli_type(tp: Any) -> Any:
    """The annotation typer sees: tuples of one type become lists (repeatable options); a Literal
    is a plain str, checked by the config like every other value (so that a bad choice gets the
    same one-line error as a bad number, rather than click's usage box)."""
    optional = False
    if get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        optional, tp = True, args[0]
    origin = get_origin(tp)
    if origin is tuple and len(get_args(tp)) == 2 and get_args(tp)[1] is Ellipsis:
        return list[get_args(tp)[0]] | None  # type: ignore[misc]
    if origin is Literal:
        return str | None if optional else str
    if tp in (str, int, float, bool, Path) or origin is tuple:
        return tp | None if optional else tp
    raise TypeError(f"no CLI form for config fields of type {tp!r}")


def _default(f: dataclasses.Field[Any], cli_type: Any) -> Any:
    """The CLI default: `...` for a required field, None for an empty repeatable option (the
    dataclass default then applies), a list for a repeatable option with values."""
    if f.default is dataclasses.MISSING:
        return ...
    repeatable = get_origin(get_args(cli_type)[0] if get_args(cli_type) else None) is list
    if repeatable:
        return list(f.default) if f.default else None
    return f.default


def _help(meta: Any, hint: Any) -> str:
    """The field's help, with the values it accepts (the config checks them)."""
    text = meta["help"]
    choices = [get_args(a) for a in (hint, *get_args(hint)) if get_origin(a) is Literal]
    if choices:
        text += f" One of: {', '.join(map(str, choices[0]))}."
    bounds = [f"at least {meta['min']}" if meta["min"] is not None else "",
              f"at most {meta['max']}" if meta["max"] is not None else ""]  # fmt: skip
    if any(bounds):
        text += f" ({', '.join(b for b in bounds if b)})"
    return str(text)


def options(config: type[StageConfig]) -> list[inspect.Parameter]:
    """The typer parameters of a config's fields. Values are checked by the config, not by typer,
    so every bad value gets the same one-line error naming the option."""
    hints = typing.get_type_hints(config)
    params = []
    for f in dataclasses.fields(config):  # type: ignore[arg-type]
        meta, tp = f.metadata, _cli_type(hints[f.name])
        flags = [*meta["flags"], cli_name(f.name)]
        text = _help(meta, hints[f.name])
        info: Any
        if meta["argument"]:
            info = typer.Argument(help=text, show_default=f.default is not dataclasses.MISSING)
        elif tp is bool:
            if meta["flags"] or meta["envvar"]:
                raise TypeError(f"{config.__name__}.{f.name}: bool options take no extra flags or envvar")
            info = typer.Option(f"{cli_name(f.name)}/--no-{cli_name(f.name)[2:]}", help=text)
        else:
            info = typer.Option(*flags, help=text, envvar=meta["envvar"])
        params.append(
            inspect.Parameter(
                f.name,
                inspect.Parameter.KEYWORD_ONLY,
                default=_default(f, tp),
                annotation=Annotated[tp, info],
            )
        )
    return params


def build(config: type[C], values: dict[str, Any]) -> C:
    """The config from parsed CLI values (None for an unset list: the dataclass default)."""
    given = {k: v for k, v in values.items() if not (v is None and _is_list_field(config, k))}
    return config(**given)


def _is_list_field(config: type[StageConfig], name: str) -> bool:
    hint = typing.get_type_hints(config)[name]
    return get_origin(hint) is tuple and get_args(hint)[-1] is Ellipsis


def stage_command(
    app: typer.Typer,
    name: str,
    config: type[C],
    *,
    extra: tuple[inspect.Parameter, ...] = (),
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register `handler(cfg, **extra)` as command `name` with the config's fields as options."""

    def decorator(handler: Callable[..., None]) -> Callable[..., None]:
        extra_names = {p.name for p in extra}

        def command(**values: Any) -> None:
            with errors_handled(name):
                own = {k: v for k, v in values.items() if k not in extra_names}
                handler(build(config, own), **{k: values[k] for k in extra_names})

        params = [*options(config), *extra]
        command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        command.__annotations__ = {p.name: p.annotation for p in params}
        command.__doc__ = handler.__doc__ or config.__doc__
        command.__name__ = handler.__name__
        app.command(name)(command)
        return handler

    return decorator
