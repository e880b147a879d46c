"""Desired state: a fully resolved assistant or agent, ready to compare and send.

`body` is exactly the request body the API accepts on create (templates applied, variables
filled, tool names replaced by their definitions); ownership marks are added by the engine.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from reconciler.diagnostics import Location
from reconciler.model.agent import AgentSettings
from reconciler.model.assistant import AssistantSettings
from reconciler.model.common import Lifecycle

ResourceKind = Literal["Assistant", "Agent"]
BODY_FIELDS: dict[str, tuple[str, ...]] = {
    "Assistant": tuple(AssistantSettings.model_fields),
    "Agent": tuple(AgentSettings.model_fields),
}
"""The API fields of each kind, in the API's order."""
RESOURCE_KINDS_ORDER: tuple[ResourceKind, ...] = ("Assistant", "Agent")


class DesiredResource(BaseModel):
    """One assistant or agent as the manifests declare it."""

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

    @property
    def address(self) -> str:
        return f"{self.kind}/{self.name}"
