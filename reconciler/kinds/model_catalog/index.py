"""The ModelCatalog kind's index: every ModelCatalog's models in one catalog (`index`), the
one the resources are checked against, read back through `catalog`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reconciler.diagnostics import Diagnostics
from reconciler.kinds.model_catalog.catalog import Catalog

if TYPE_CHECKING:
    from reconciler.manifests.project import Loaded, ManifestSet


def index(result: ManifestSet, item: Loaded, diagnostics: Diagnostics) -> None:
    """Add a ModelCatalog's models to the one catalog the resources are checked against."""
    catalog(result).add(item.doc, list(item.manifest.spec.models), diagnostics)


def catalog(manifests: ManifestSet) -> Catalog:
    """The set's model catalog (empty, `declared` false, when no manifest declares one)."""
    return manifests.index_of("ModelCatalog", Catalog)
