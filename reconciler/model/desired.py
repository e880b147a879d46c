"""Desired state: a fully resolved vector store, assistant or agent, ready to compare and send.

`body` is exactly the request body the API accepts on create (templates applied, variables
filled, tool names replaced by their definitions); ownership marks are added by the engine.
Repository files (a store's, or an assistant's code_interpreter files) and references to
vector stores by manifest name are kept apart from `body`: their live ids are known only
once they are uploaded or created.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from reconciler.diagnostics import Location
from reconciler.model.agent import AgentSettings
from reconciler.model.assistant import AssistantSettings
from reconciler.model.common import Lifecycle
from reconciler.model.vector_store import VectorStoreSettings

ResourceKind = Literal["VectorStore", "Assistant", "Agent", "File"]
"""Kinds of live object. `File` is an upload no manifest needs any more (plan: delete)."""
BODY_FIELDS: dict[str, tuple[str, ...]] = {
    "VectorStore": tuple(VectorStoreSettings.model_fields),
    "Assistant": tuple(AssistantSettings.model_fields),
    "Agent": tuple(AgentSettings.model_fields),
}
"""The API fields of each kind, in the API's order."""
RESOURCE_KINDS_ORDER: tuple[ResourceKind, ...] = ("VectorStore", "Assistant", "Agent")
"""Kinds declared by manifests, in the order they are planned and shown."""


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
        return f"{self.kind}/{self.name}"
