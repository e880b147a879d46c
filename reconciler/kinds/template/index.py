"""Record a Template manifest for the resources that start from it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reconciler.diagnostics import Diagnostics
from reconciler.manifests.templates import TemplateEntry

if TYPE_CHECKING:
    from reconciler.manifests.project import Loaded, ManifestSet


def index(result: ManifestSet, item: Loaded, diagnostics: Diagnostics) -> None:
    """Record a Template (its chains are checked once every template is known)."""
    result.templates[item.name] = TemplateEntry(item.name, item.doc.data["spec"], item.doc)
