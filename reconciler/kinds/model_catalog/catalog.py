"""The model catalog: which models manifests may use, and which are deprecated."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from reconciler.diagnostics import Code, Diagnostics, Location
from reconciler.kinds.model_catalog.model import CatalogModel
from reconciler.manifests.loader import SourceDocument
from reconciler.manifests.structure import did_you_mean
from reconciler.modelcalendar import builtin


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

    def check(self, model_id: str, location: Location, diagnostics: Diagnostics) -> None:
        """Report a model missing from the catalog (error) or no longer listed (warning);
        its retirement and deprecation are judged apart (`retirement`), with the API's word
        when known."""
        if not self.declared:
            return
        entry = self.entries.get(model_id)
        if entry is None:
            diagnostics.error(Code.UNKNOWN_MODEL, f"model '{model_id}' is not in the model catalog",
                              location, path="spec.model",
                              hint=did_you_mean(model_id, self.entries)
                              or "add it to the ModelCatalog manifest")
            return
        if not entry.model.available:
            diagnostics.warning(Code.DEPRECATED_MODEL,
                                f"model '{model_id}' is no longer listed by the API", location,
                                path="spec.model", hint=self._hint(entry.model))

    @staticmethod
    def _hint(model: CatalogModel) -> str | None:
        replacement = model.deprecation.replacement if model.deprecation else None
        return f"move to {replacement}" if replacement else None

    def shutdown_of(self, model_id: str) -> dt.date | None:
        """The shutdown date the catalog writes for a model (None: none, or not listed)."""
        entry = self.entries.get(model_id)
        deprecation = entry.model.deprecation if entry is not None else None
        return deprecation.shutdown_on if deprecation is not None else None

    def deprecated(self, model_id: str) -> bool:
        """Whether the catalog marks a model deprecated."""
        entry = self.entries.get(model_id)
        return entry is not None and entry.model.deprecation is not None

    def replacement_of(self, model_id: str) -> str | None:
        """The replacement the catalog names for a model."""
        entry = self.entries.get(model_id)
        deprecation = entry.model.deprecation if entry is not None else None
        return deprecation.replacement if deprecation is not None else None


    def price_of(self, model_id: str) -> ListPrice:
        """The model's price per 1M tokens: the catalog's, else this release's calendar's
        (OpenAI's list price), else unknown."""
        entry = self.entries.get(model_id)
        pricing = entry.model.pricing if entry is not None else None
        if pricing is not None:
            return ListPrice(pricing.input_per_1m_tokens, pricing.output_per_1m_tokens,
                             pricing.currency, "catalog")
        known = builtin().get(model_id)
        if known is not None and known.price is not None:
            return ListPrice(known.price.input, known.price.output, "USD", "calendar")
        return ListPrice(None, None, "USD", None)


@dataclass(frozen=True)
class ListPrice:
    """A price per 1M tokens and who gave it (`catalog`, `calendar`; None: nobody)."""

    input: float | None
    output: float | None
    currency: str
    source: str | None
