"""The errors a user can act on.

`InputError` means the input is wrong (an option, a path, a file's content): the message is one
line naming the item or option, and the CLI exits 2. Errors of a stage that ran and failed (an
evaluation that crashed) are the stage's own (`EvalError`) and exit 1. Anything else is a bug.
"""

from __future__ import annotations


class InputError(ValueError):
    """Bad input: the message names the item or option and says what is wrong with it."""


class StageError(RuntimeError):
    """A stage ran and did not finish (the message says why and what was kept): exit 1."""
