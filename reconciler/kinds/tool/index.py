"""The Tool kind's `index` hook: a Tool manifest recorded for the resources that refer to
it, in the loaded set's `indexes`, and read back through `entries`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reconciler.diagnostics import Diagnostics
from reconciler.kinds.tool.references import ToolEntry, check_tool

if TYPE_CHECKING:
    from reconciler.manifests.project import Loaded, ManifestSet


def index(result: ManifestSet, item: Loaded, diagnostics: Diagnostics) -> None:
    """Record a Tool manifest for the resources that reference it, checked."""
    entry = ToolEntry(item.name, item.manifest.spec, item.doc)
    entries(result)[item.name] = entry
    check_tool(entry, diagnostics)


def entries(manifests: ManifestSet) -> dict[str, ToolEntry]:
    """The set's Tool manifests, by name."""
    return manifests.index_of("Tool", dict[str, ToolEntry])
