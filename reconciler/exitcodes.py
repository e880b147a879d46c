"""Exit codes: the one place they are defined, so that CI can rely on them."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes of every `reconciler` command."""

    OK = 0
    """Success; for `plan --detailed-exitcode`: no changes."""

    ERROR = 1
    """Invalid input, failed validation, failed API call or usage error. Nothing was changed
    on the live side unless the command says otherwise (a partial apply reports each change)."""

    CHANGES = 2
    """Only with `--detailed-exitcode` / `--check`: success, and there are changes."""

    INTERRUPTED = 130
    """Interrupted by Ctrl-C (128 + SIGINT, as shells report it): `apply` started nothing new
    after the first Ctrl-C, finished what was in flight and said what was done and what was
    not; a second Ctrl-C exits at once. Running apply again converges."""
