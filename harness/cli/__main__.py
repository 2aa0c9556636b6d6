"""`python -m harness.cli`: the same CLI as the `harness` command."""

from harness.cli import app

app()
