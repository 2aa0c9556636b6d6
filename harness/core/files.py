"""Files the harness writes: whole or not at all, and one run per output folder.

`atomic_write` writes through a temporary file with a unique name in the same folder and renames it
over the target, so a reader (or a second writer) never sees half a file, and a failed write leaves
the previous file and no temporary behind. `folder_lock` holds an exclusive lock on an output folder
for the length of a run: a second run on the same folder is refused, naming the process that holds
it. The lock is an `flock` on `<folder>/.harness.lock`, released by the kernel when its holder exits
for any reason, so a killed run never leaves a stale lock behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from harness.core.errors import InputError

LOCK_NAME = ".harness.lock"


def atomic_write(path: Path, write: Callable[[Path], Any]) -> Path:
    """Call `write(tmp)` on a fresh temporary path beside `path`, then rename it to `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        with tmp.open("rb+") as fh:  # on disk before the rename makes it the file
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: Path, text: str) -> Path:
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def atomic_write_json(path: Path, payload: Any, **dumps: Any) -> Path:
    return atomic_write_text(path, json.dumps(payload, **{"indent": 2, **dumps}) + "\n")


class FolderInUse(InputError):
    """Another run holds the output folder; the message names its process."""


@contextlib.contextmanager
def folder_lock(folder: Path, what: str) -> Iterator[None]:
    """Hold `folder` for one run of `what` (e.g. "harness eval"); refuse it if another run does."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_NAME
    handle: IO[str] = path.open("a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise FolderInUse(
                f"{folder} is in use by {holder}: wait for that run to finish, or give another output folder"
            ) from None
        handle.seek(0)
        handle.truncate()
        started = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
        handle.write(
            f"{what} (pid {os.getpid()} on {socket.gethostname()}, since {started} UTC: {' '.join(sys.argv)[:200]})"
        )
        handle.flush()
        yield
    finally:
        handle.close()  # releases the lock; the file stays (removing it would race a new holder)
