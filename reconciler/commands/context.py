"""Options every command shares, set by the top-level `reconciler` group."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reconciler.settings import Settings


def default_color() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


@dataclass
class AppContext:
    """Global options: where reconciler.yaml is, colour, debug."""

    config: Path | None
    color: bool
    debug: bool
    env: str | None = None
    """--env (or RECONCILER_ENV): the environment of reconciler.yaml to use."""

    def settings(self) -> Settings:
        """reconciler.yaml, in the chosen environment when one is."""
        from reconciler.settings import load_settings  # the manifest models: not for --help

        return load_settings(self.config).for_environment(self.env)
