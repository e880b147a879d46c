"""Checks of an agent's resolved settings that only the Agents API needs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reconciler.diagnostics import Code, format_path
from reconciler.manifests.templates import Merged
from reconciler.model.desired import DesiredFile

if TYPE_CHECKING:
    from reconciler.kinds.templated import Resolver

ASYNC = ("compaction", "async")


def checks(resolver: Resolver, merged: Merged, values: dict[str, Any]
           ) -> tuple[list[DesiredFile], list[str]]:
    """Warn of settings the API accepts and ignores; an agent references no files."""
    compaction = values.get("compaction")
    if isinstance(compaction, dict) and compaction.get("async") is True:
        origin = merged.provenance.origin(ASYNC)
        resolver.diagnostics.warning(
            Code.NO_EFFECT, "compaction.async has no effect: the Agents API accepts it and "
            "ignores it (compaction is always blocking) and answers false",
            origin.doc.locate(origin.path), path=format_path(origin.path),
            hint="remove it (plans compare it as false)")
    return [], []
