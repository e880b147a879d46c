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
    return sys.stdout is not None and sys.stdout.isatty() and "NO_COLOR" not in os.environ


@dataclass
class AppContext:
    """Global options: where reconciler.yaml is, colour, debug."""

    config: Path | None
    color: bool
    debug: bool
    envs: tuple[str, ...] = ()
    """--env (or RECONCILER_ENV): the environment of reconciler.yaml to use (diff: two)."""

    @property
    def env(self) -> str | None:
        """The one environment chosen (None: none)."""
        if len(self.envs) > 1:
            from reconciler.errors import ConfigError

            raise ConfigError(f"--env given {len(self.envs)} times: this command uses one",
                              hint="only `reconciler diff` compares two environments")
        return self.envs[0] if self.envs else None

    def settings(self) -> Settings:
        """reconciler.yaml, in the chosen environment when one is."""
        from reconciler.settings import load_settings  # the manifest models: not for --help

        return load_settings(self.config).for_environment(self.env)
