"""Checks of `lifecycle`: every field `ignore_changes` names must exist on its kind."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reconciler.diagnostics import Code, Diagnostics, Location
from reconciler.manifests.structure import did_you_mean
from reconciler.model.kindspec import registry

Where = Callable[[tuple[str | int, ...]], tuple[Location, str]]
"""Where a path of a spec is: its location and the field path to report."""


def check_ignore_changes(kind: str, spec: dict[str, Any], diagnostics: Diagnostics,
                         where: Where) -> None:
    """Every field `lifecycle.ignore_changes` names must be a field of the kind."""
    lifecycle = spec.get("lifecycle") or {}
    fields = registry().get(kind).body_fields
    for index, name in enumerate(lifecycle.get("ignore_changes", [])):
        if name == "all" or name in fields:
            continue
        if name.startswith("metadata.") and len(name) > len("metadata."):
            continue
        location, path = where(("lifecycle", "ignore_changes", index))
        diagnostics.error(
            Code.UNKNOWN_IGNORE_FIELD, f"ignore_changes names '{name}', which is not a "
            f"field of {kind}", location, path=path,
            hint=did_you_mean(name, fields) or "fields: all, metadata.KEY, "
            + ", ".join(fields))
