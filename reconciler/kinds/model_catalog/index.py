"""The ModelCatalog kind's `index` hook (apart from `catalog`, which the loader's ManifestSet
holds, so that no cycle runs through the loader)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reconciler.diagnostics import Diagnostics

if TYPE_CHECKING:
    from reconciler.manifests.project import Loaded, ManifestSet


def index(result: ManifestSet, item: Loaded, diagnostics: Diagnostics) -> None:
    """Add a ModelCatalog's models to the one catalog the resources are checked against."""
    result.catalog.add(item.doc, list(item.manifest.spec.models), diagnostics)
