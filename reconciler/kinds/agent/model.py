"""The `Agent` kind: mirrors what `client.beta.agents.create/update` accepts (Agents API)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from reconciler.kinds.assistant.model import (
    MAX_INSTRUCTIONS,
    MAX_NAME,
    MAX_TOOLS,
    ReasoningEffort,
    Template,
    Vars,
)
from reconciler.kinds.tool.model import AgentBuiltin, JsonSchemaObject, ToolRef
from reconciler.model.common import V1, Lifecycle, Metadata, ObjectMeta, Strict


class AgentReasoning(Strict):
    """Reasoning configuration."""

    effort: ReasoningEffort | None = None
    summary: Literal["concise", "detailed", "auto"] | None = None


class TextFormatText(Strict):
    """Ordinary text."""

    type: Literal["text"]


class TextFormatJsonSchema(Strict):
    """Text constrained to a JSON Schema."""

    type: Literal["json_schema"]
    schema_: JsonSchemaObject = Field(alias="schema")


TextFormat = Annotated[TextFormatText | TextFormatJsonSchema, Field(discriminator="type")]


class AgentText(Strict):
    """Configuration of generated text."""

    format: TextFormat | None = None
    verbosity: Literal["low", "medium", "high"] | None = None


class MultiAgent(Strict):
    """Creating and coordinating subagents."""

    enabled: bool
    max_concurrent_subagents: int | None = Field(None, ge=1)


class Compaction(Strict):
    """Context compaction."""

    async_: bool | None = Field(
        None, alias="async",
        description="Accepted by the API and ignored: compaction is always blocking, and the "
                    "API answers false (validate warns when it is true).")


class Experimental(Strict):
    """Experimental settings (all off by default)."""

    time_awareness: bool | None = None


ServiceTier = Literal["auto", "default", "flex", "priority", "fast", "ultrafast"]

AgentToolItem = Annotated[
    ToolRef | AgentBuiltin,
    Field(description="A Tool manifest's name, or an inline built-in such as "
                      "`{type: web_search}`."),
]


class AgentSettings(Strict):
    """The fields of an agent sent to the API (every one optional here)."""

    # Built only within the manifests that hold it (Agent, Template): never validated
    # alone, its own validator would be built for nothing (its subclasses inherit this).
    model_config = ConfigDict(defer_build=True)

    model: str | None = Field(None, min_length=1, description="The model ID, e.g. `gpt-5`.")
    name: str | None = Field(
        None, max_length=MAX_NAME,
        description="The live name. Defaults to the manifest name; `null` leaves it unnamed.",
    )
    instructions: str | None = Field(None, max_length=MAX_INSTRUCTIONS)
    tools: list[AgentToolItem] | None = Field(None, max_length=MAX_TOOLS)
    metadata: Metadata | None = None
    reasoning: AgentReasoning | None = None
    text: AgentText | None = None
    service_tier: ServiceTier | None = None
    multi_agent: MultiAgent | None = None
    compaction: Compaction | None = None
    experimental: Experimental | None = None


class AgentSpec(AgentSettings):
    """An agent: its settings, the template it starts from, and its lifecycle."""

    template: Template = None
    vars: Vars = Field(default_factory=dict)
    lifecycle: Lifecycle | None = None


class AgentManifest(Strict):
    """An OpenAI reusable agent (Agents API, `/v1/agents`)."""

    apiVersion: V1
    kind: Literal["Agent"]
    metadata: ObjectMeta
    spec: AgentSpec
