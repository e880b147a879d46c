"""The `Assistant` kind: an assistant of the Assistants API v2 (`/v1/assistants`)."""

from __future__ import annotations

from reconciler.kinds.assistant.model import AssistantManifest, AssistantSettings, AssistantSpec
from reconciler.kinds.assistant.normalize import DEFAULTS, normalize
from reconciler.kinds.tool.model import ASSISTANT_TOOL_TYPES
from reconciler.model.kindspec import FileUse, KindSpec, Listing, ToolDialect

KIND = KindSpec(
    kind="Assistant", manifest=AssistantManifest, spec_model=AssistantSpec,
    body_fields=tuple(AssistantSettings.model_fields), plan_order=1,
    defaults=DEFAULTS, normalize=normalize, float_fields=("temperature", "top_p"),
    provider="reconciler.kinds.assistant.provider:AssistantProvider", checks_model=True,
    listing=Listing("/v1/assistants"),
    resolve="reconciler.kinds.templated:resolve_templated",
    references="reconciler.kinds.assistant.resolve:tool_resources",
    tools=ToolDialect(api_name="Assistants API", types=ASSISTANT_TOOL_TYPES,
                      function="reconciler.kinds.assistant.tools:function_definition",
                      builtin="reconciler.kinds.assistant.tools:builtin_definition",
                      agent_only_function_options=True),
    files=FileUse.CODE, importer="reconciler.kinds.assistant.importer:spec_of",
    import_folder="assistants", plural="assistants",
)
