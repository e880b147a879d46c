"""The Tool kind's `index` hook: a Tool manifest recorded for the resources that refer to
it (apart from `references`, which the loader's ManifestSet holds, so that no cycle runs
through the loader)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reconciler.diagnostics import Diagnostics
from reconciler.kinds.tool.references import ToolEntry, check_tool

if TYPE_CHECKING:
    from reconciler.manifests.project import Loaded, ManifestSet


def index(result: ManifestSet, item: Loaded, diagnostics: Diagnostics) -> None:
    """Record a Tool manifest for the resources that reference it, checked."""
    entry = ToolEntry(item.name, item.manifest.spec, item.doc)
    result.tools[item.name] = entry
    check_tool(entry, diagnostics)
