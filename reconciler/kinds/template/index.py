"""The Template kind's index: each Template recorded for the resources that start from it
(`index`), its `extends` chains checked once every template is known (`indexed`), read back
through `kinds.templated.template_entries` (there, since the assistants' and agents'
resolver reads them and the Template model is built on theirs)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reconciler.diagnostics import Diagnostics
from reconciler.kinds.templated import template_entries as entries
from reconciler.manifests.templates import TemplateEntry, check_templates

if TYPE_CHECKING:
    from reconciler.manifests.project import Loaded, ManifestSet


def index(result: ManifestSet, item: Loaded, diagnostics: Diagnostics) -> None:
    """Record a Template (its chains are checked once every template is known)."""
    entries(result)[item.name] = TemplateEntry(item.name, item.doc.data["spec"], item.doc)


def indexed(result: ManifestSet, diagnostics: Diagnostics) -> set[str]:
    """Check every template's `extends` chain; the templates that cannot be applied."""
    return check_templates(entries(result), diagnostics)
