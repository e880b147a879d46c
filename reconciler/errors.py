"""The one error class a user is meant to see.

Everything raised as `ReconcilerError` is caught by the CLI in one place and printed as a
message with its exit code; anything else is a bug and shows a traceback (always with --debug).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reconciler.exitcodes import ExitCode

if TYPE_CHECKING:
    from reconciler.diagnostics import Diagnostics


class ReconcilerError(Exception):
    """An error caused by the user's input or environment, with a clear message."""

    exit_code: ExitCode = ExitCode.ERROR

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class ConfigError(ReconcilerError):
    """`reconciler.yaml`, a flag or an environment variable is wrong."""


class ManifestError(ReconcilerError):
    """The manifests are invalid; `diagnostics` holds every problem found."""

    def __init__(self, diagnostics: Diagnostics, summary: str | None = None) -> None:
        super().__init__(summary or f"{diagnostics.count_errors()} error(s) in the manifests")
        self.diagnostics = diagnostics
