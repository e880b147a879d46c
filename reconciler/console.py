"""Everything the command line prints goes through `echo`.

Output lands in CI logs, where a line starting with `::` is a workflow command; much of what
is printed comes from manifests and live objects a pull request author controls (names,
instructions, API messages). `echo` escapes such lines (see `render.escape`); only output
that is meant to be workflow commands (`validate --format github`) is printed `raw`.
"""

from __future__ import annotations

from typing import Any

import click

from reconciler.escape import escape_workflow_commands


def echo(message: Any = None, *, err: bool = False, nl: bool = True, raw: bool = False) -> None:
    """Print a line (to stderr with `err`), escaped unless `raw`."""
    if isinstance(message, str) and not raw:
        message = escape_workflow_commands(message)
    click.echo(message, err=err, nl=nl)
