"""The `Agent` kind: a reusable agent of the Agents API (`/v1/agents`)."""

from __future__ import annotations

from reconciler.kinds.agent.model import AgentManifest, AgentSettings, AgentSpec
from reconciler.kinds.agent.normalize import DEFAULTS, normalize
from reconciler.kinds.tool.model import AGENT_TOOL_TYPES
from reconciler.model.kindspec import KindSpec, Listing, ToolDialect

KIND = KindSpec(
    kind="Agent", manifest=AgentManifest, spec_model=AgentSpec,
    body_fields=tuple(AgentSettings.model_fields), plan_order=2,
    defaults=DEFAULTS, normalize=normalize,
    provider="reconciler.kinds.agent.provider:AgentProvider", checks_model=True,
    listing=Listing("/v1/agents"),
    resolve="reconciler.kinds.templated:resolve_templated",
    references="reconciler.kinds.agent.resolve:checks",
    tools=ToolDialect(api_name="Agents API", types=AGENT_TOOL_TYPES,
                      function="reconciler.kinds.agent.tools:function_definition",
                      builtin="reconciler.kinds.agent.tools:builtin_definition"),
    importer="reconciler.kinds.agent.importer:spec_of",
    import_folder="agents", plural="agents",
)
