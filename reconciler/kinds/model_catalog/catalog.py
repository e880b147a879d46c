"""The model catalog: which models manifests may use, and which are deprecated."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from reconciler.diagnostics import Code, Diagnostics, Location
from reconciler.kinds.model_catalog.model import CatalogModel
from reconciler.manifests.loader import SourceDocument
from reconciler.manifests.structure import did_you_mean

if TYPE_CHECKING:
    from reconciler.manifests.project import Loaded, ManifestSet


@dataclass(frozen=True)
class CatalogEntry:
    """A model of the catalog, with where it is declared."""

    model: CatalogModel
    doc: SourceDocument
    index: int

    @property
    def location(self) -> Location:
        return self.doc.locate(("spec", "models", self.index))


@dataclass
class Catalog:
    """Every model of every ModelCatalog manifest."""

    entries: dict[str, CatalogEntry] = field(default_factory=dict)
    declared: bool = False

    def add(self, doc: SourceDocument, models: list[CatalogModel],
            diagnostics: Diagnostics) -> None:
        self.declared = True
        for index, model in enumerate(models):
            entry = CatalogEntry(model, doc, index)
            first = self.entries.get(model.id)
            if first is not None:
                diagnostics.error(Code.DUPLICATE_MODEL,
                                  f"model '{model.id}' is listed twice in the catalog",
                                  doc.locate(("spec", "models", index, "id")),
                                  path=f"spec.models[{index}].id",
                                  hint=f"first listed at {first.location}")
                continue
            self.entries[model.id] = entry

    def check(self, model_id: str, location: Location, diagnostics: Diagnostics, *,
              today: dt.date) -> None:
        """Report a model missing from the catalog (error) or deprecated (warning)."""
        if not self.declared:
            return
        entry = self.entries.get(model_id)
        if entry is None:
            diagnostics.error(Code.UNKNOWN_MODEL, f"model '{model_id}' is not in the model catalog",
                              location, path="spec.model",
                              hint=did_you_mean(model_id, self.entries)
                              or "add it to the ModelCatalog manifest")
            return
        message = deprecation_message(entry.model, today)
        if message:
            replacement = entry.model.deprecation.replacement if entry.model.deprecation else None
            diagnostics.warning(Code.DEPRECATED_MODEL, message, location, path="spec.model",
                                hint=f"move to {replacement}" if replacement else None)


def deprecation_message(model: CatalogModel, today: dt.date) -> str | None:
    """Say why a model should not be used, or None when it is fine."""
    if not model.available:
        return f"model '{model.id}' is no longer listed by the API"
    deprecation = model.deprecation
    if deprecation is None:
        return None
    shutdown = deprecation.shutdown_on
    if shutdown is None:
        return f"model '{model.id}' is deprecated"
    verb = "was shut down" if shutdown <= today else "shuts down"
    return f"model '{model.id}' is deprecated and {verb} on {shutdown.isoformat()}"


def index(result: ManifestSet, item: Loaded, diagnostics: Diagnostics) -> None:
    """Add a ModelCatalog's models to the one catalog the resources are checked against."""
    result.catalog.add(item.doc, list(item.manifest.spec.models), diagnostics)
