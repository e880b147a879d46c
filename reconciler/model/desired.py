"""Desired state: a fully resolved vector store, assistant or agent, ready to compare and send.

`body` is exactly the request body the API accepts on create (templates applied, variables
filled, tool names replaced by their definitions); ownership marks are added by the engine.
Repository files (a store's, or an assistant's code_interpreter files) and references to
vector stores by manifest name are kept apart from `body`: their live ids are known only
once they are uploaded or created.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from reconciler.diagnostics import Location
from reconciler.model.common import Lifecycle
from reconciler.model.kindspec import Address, registry


def _live_kind(kind: str) -> str:

    if kind not in registry().names(registry().LIVE):
        raise ValueError(f"not a kind of live object: {kind!r} (one of: "
                         f"{', '.join(registry().names(registry().LIVE))})")
    return kind


ResourceKind = Annotated[str, AfterValidator(_live_kind)]
"""A kind of live object (see `kinds.LIVE`)."""


class DesiredFile(BaseModel):
    """A repository file to keep uploaded: its identity is its content hash."""

    model_config = ConfigDict(frozen=True)

    path: str
    """Relative to the manifest that declares it, with '/' separators (the key in a store)."""
    local: str
    """Where it is on disk."""
    sha256: str
    size: int


class DesiredResource(BaseModel):
    """One vector store, assistant or agent as the manifests declare it."""

    model_config = ConfigDict(frozen=True)

    kind: ResourceKind
    name: str
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    lifecycle: Lifecycle = Field(default_factory=Lifecycle)
    source: Location
    body: dict[str, Any]
    model_source: Location | None = None
    """Where its model is set (its manifest, a template, or an environment's override)."""
    template: str | None = None
    """The Template it starts from, if any (for display)."""
    tool_names: tuple[str, ...] = ()
    """Names of the Tool manifests it references (for dependency order and display)."""
    files: tuple[DesiredFile, ...] = ()
    """A store's files, or an assistant's code_interpreter files, in declared order."""
    store_refs: tuple[str, ...] = ()
    """VectorStore manifests an assistant's file_search uses, by name."""
    chunking_strategy: dict[str, Any] | None = None
    """A store's chunking strategy, as the API reports it on each file."""

    @property
    def address(self) -> str:
        return str(Address(self.kind, self.name))
