"""The registry of kinds: one line per kind, in the order manifests list them.

Everything particular to a kind lives in its folder here (docs/contributing.md, "Adding a
kind"); the rest of the reconciler loops over `REGISTRY`.
"""

from __future__ import annotations

from reconciler import API_VERSION
from reconciler.kinds import (
    agent,
    assistant,
    file,
    model_catalog,
    policy,
    template,
    tool,
    vector_store,
)
from reconciler.model.kindspec import Address, FileUse, KindSpec, UpdateMode

REGISTRY: tuple[KindSpec, ...] = (
    assistant.KIND,
    agent.KIND,
    tool.KIND,
    template.KIND,
    model_catalog.KIND,
    vector_store.KIND,
    policy.KIND,
    file.KIND,
)
API_VERSIONS = (API_VERSION,)
BY_NAME = {spec.kind: spec for spec in REGISTRY}
DECLARED: tuple[KindSpec, ...] = tuple(s for s in REGISTRY if s.declared)
"""Kinds manifests declare, in the order they are listed (schemas, hints)."""
RESOURCES: tuple[KindSpec, ...] = tuple(sorted(
    (s for s in REGISTRY if s.resource), key=lambda s: s.plan_order or 0))
"""Kinds whose manifests become live objects, in the order they are planned and shown."""
LIVE: tuple[KindSpec, ...] = RESOURCES + tuple(
    s for s in REGISTRY if s.provider is not None and not s.resource)
"""Kinds that are read from the API, resources first in plan order (live objects are listed,
and deletes planned, in this order)."""

__all__ = ["API_VERSIONS", "DECLARED", "LIVE", "REGISTRY", "RESOURCES", "Address", "FileUse",
           "KindSpec", "UpdateMode", "get", "names"]


def get(kind: str) -> KindSpec:
    """The spec of a kind (a `KeyError` for an unknown one: a bug, never user input)."""
    return BY_NAME[kind]


def names(specs: tuple[KindSpec, ...] = DECLARED) -> tuple[str, ...]:
    """The kind names of `specs`."""
    return tuple(s.kind for s in specs)
