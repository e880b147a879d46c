"""The `Template` kind: reusable defaults and parameterised instructions for both kinds.

Merge rule, from the root of an `extends` chain to the resource itself: scalars override,
maps merge deeply, lists replace.
"""

from __future__ import annotations

from pydantic import Field

from reconciler.model.agent import AgentSettings
from reconciler.model.assistant import MAX_TOOLS, AssistantSettings, Vars
from reconciler.model.common import LabelKey, LabelValue, Lifecycle, Name
from reconciler.model.tools import AnyBuiltin, ToolRef


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
