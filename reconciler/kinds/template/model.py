"""The `Template` kind: reusable defaults and parameterised instructions for both kinds.

Merge rule, from the root of an `extends` chain to the resource itself: scalars override,
maps merge deeply, lists replace.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from reconciler.kinds.agent.model import AgentSettings
from reconciler.kinds.assistant.model import MAX_TOOLS, AssistantSettings, Vars
from reconciler.kinds.tool.model import AnyBuiltin, ToolRef
from reconciler.model.common import V1, LabelKey, LabelValue, Lifecycle, Name, ObjectMeta, Strict


class TemplateSpec(AssistantSettings, AgentSettings):
    """Defaults for assistants and agents. Fields only one kind supports are errors when a
    template is used by the other kind."""

    extends: Name | None = Field(None, description="Another Template this one builds on.")
    labels: dict[LabelKey, LabelValue] = Field(
        default_factory=dict,
        description="Labels added to every assistant or agent using the template "
                    "(the resource's own labels win).",
    )
    vars: Vars = Field(default_factory=dict)
    lifecycle: Lifecycle | None = None
    # a template may hold the built-ins of either API (pydantic allows the narrower override)
    tools: list[ToolRef | AnyBuiltin] | None = Field(  # type: ignore[assignment]
        None, max_length=MAX_TOOLS)


class TemplateManifest(Strict):
    """Reusable defaults and parameterised instructions."""

    apiVersion: V1
    kind: Literal["Template"]
    metadata: ObjectMeta
    spec: TemplateSpec
