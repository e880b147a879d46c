"""An environment's overlay (reconciler.yaml `environments:`): what it changes in every
assistant and agent before it is checked and planned."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reconciler.manifests.loader import SourceDocument
from reconciler.model.config import Override


@dataclass(frozen=True)
class Overlay:
    """What one environment changes in every assistant and agent: labels added, variable
    values, and field overrides by selector (located in reconciler.yaml)."""

    name: str
    vars: dict[str, Any]
    labels: dict[str, str]
    overrides: tuple[Override, ...]
    document: SourceDocument | None = None
    """reconciler.yaml, where the overrides are (for locations)."""

    def override_path(self, index: int) -> tuple[str | int, ...]:
        """Where override `index`'s spec is in reconciler.yaml."""
        return ("environments", self.name, "overrides", index, "spec")
