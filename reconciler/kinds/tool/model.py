"""The `Tool` kind: function tools (both APIs) and the built-in tools of each API.

A Tool manifest's spec is discriminated by `type`. Built-in options live under a key named
like the type (as the Assistants API does for `file_search`), so the same shape is written
inline in an assistant's or agent's `tools` list and in a Tool manifest.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, ConfigDict, Field, StringConstraints

from reconciler.model.common import (
    V1,
    LabelSelector,
    Name,
    ObjectMeta,
    Strict,
)

JSON_SCHEMA_META = "https://json-schema.org/draft/2020-12/schema"

ASSISTANT_TOOL_TYPES = ("function", "code_interpreter", "file_search")
AGENT_TOOL_TYPES = (
    "function", "web_search", "mcp", "tool_search", "programmatic_tool_calling",
    "computer_use", "automations",
)

FunctionName = Annotated[
    str,
    StringConstraints(pattern=r"^[a-zA-Z0-9_-]{1,64}$"),
    Field(description="a-z, A-Z, 0-9, '_' and '-', at most 64 characters."),
]

def _valid_json_schema(value: dict[str, Any]) -> dict[str, Any]:
    """The model side of the schema's `$ref` to the draft 2020-12 meta-schema."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    try:
        Draft202012Validator.check_schema(value)
    except SchemaError as exc:
        raise ValueError(f"not a valid JSON Schema: {exc.message}") from exc
    return value


JsonSchemaObject = Annotated[
    dict[str, Any],
    AfterValidator(_valid_json_schema),
    Field(json_schema_extra={"$ref": JSON_SCHEMA_META}),
]


# --- function tools -------------------------------------------------------------------


class FunctionDefinition(Strict):
    """A function the model may call; the application runs it."""

    name: FunctionName | None = Field(
        None, description="The function name the model sees. Defaults to the manifest name."
    )
    description: str | None = Field(
        None, description="What the function does; the model uses it to decide when to call it."
    )
    parameters: JsonSchemaObject | None = Field(
        None,
        description="The arguments as a JSON Schema (draft 2020-12). Omitted: no arguments.",
    )
    strict: bool | None = Field(
        None,
        description="Strict schema adherence (Assistants API). Requires every property to be "
                    "required and `additionalProperties: false` on every object.",
    )
    defer_loading: bool | None = Field(
        None, description="Agents API only: load the function on demand through tool_search."
    )
    async_: bool | None = Field(
        None,
        alias="async",
        description="Agents API only: the agent continues without waiting for the result.",
    )


class FunctionTool(Strict):
    """A function tool, usable by assistants and agents."""

    type: Literal["function"]
    function: FunctionDefinition = Field(default_factory=FunctionDefinition)


# --- built-ins of the Assistants API ---------------------------------------------------


class RankingOptions(Strict):
    """How file_search ranks results."""

    ranker: Literal["auto", "default_2024_08_21"] | None = None
    score_threshold: float = Field(ge=0, le=1)


class FileSearchOptions(Strict):
    """Overrides for the file_search tool."""

    max_num_results: int | None = Field(None, ge=1, le=50)
    ranking_options: RankingOptions | None = None


class CodeInterpreterTool(Strict):
    """Assistants API: run Python code in a sandbox."""

    type: Literal["code_interpreter"]


class FileSearchTool(Strict):
    """Assistants API: search the assistant's vector store."""

    type: Literal["file_search"]
    file_search: FileSearchOptions | None = None


# --- built-ins of the Agents API -------------------------------------------------------


class WebSearchLocation(Strict):
    """Approximate location used to localise search results."""

    city: str | None = None
    country: str | None = Field(None, description="Two-letter ISO country code, e.g. `US`.")
    region: str | None = None
    timezone: str | None = Field(None, description="IANA time zone, e.g. `Europe/Paris`.")


class WebSearchOptions(Strict):
    """Options of the web_search tool."""

    allowed_domains: list[str] | None = None
    context_size: Literal["low", "medium", "high"] | None = None
    location: WebSearchLocation | None = None
    mode: Literal["disabled", "cached", "live"] | None = None


class WebSearchTool(Strict):
    """Agents API: search the web."""

    type: Literal["web_search"]
    web_search: WebSearchOptions | None = None


class McpHttpTransport(Strict):
    """Connect to an MCP server over HTTP."""

    type: Literal["http"]
    server_url: str
    headers: dict[str, str] | None = Field(None, description="Non-secret HTTP headers.")


class McpStdioTransport(Strict):
    """Start an MCP server as a local process."""

    type: Literal["stdio"]
    command: str
    cwd: str
    args: list[str] | None = None
    env_vars: list[str] | None = Field(None, description="Environment variable names to inherit.")


class McpOptions(Strict):
    """A remote MCP server (no stored credentials)."""

    server_label: str = Field(min_length=1)
    transport: Annotated[McpHttpTransport | McpStdioTransport, Field(discriminator="type")]
    allowed_tools: list[str] | None = None
    connection_origin: Literal["service", "environment"] | None = None
    credential_id: str | None = None
    request_metadata: dict[str, Any] | None = None
    required: bool | None = None


class McpTool(Strict):
    """Agents API: tools of a remote MCP server."""

    type: Literal["mcp"]
    mcp: McpOptions


class ToolSearchTool(Strict):
    """Agents API: discover deferred function tools."""

    type: Literal["tool_search"]


class ProgrammaticToolCallingOptions(Strict):
    """Options of programmatic tool calling."""

    enabled: bool | None = None


class ProgrammaticToolCallingTool(Strict):
    """Agents API: call tools from model-generated code."""

    type: Literal["programmatic_tool_calling"]
    programmatic_tool_calling: ProgrammaticToolCallingOptions | None = None


class ComputerUseOptions(Strict):
    """Options of computer use."""

    include_screenshots: bool | None = None


class ComputerUseTool(Strict):
    """Agents API: browser use in an OpenAI-hosted session."""

    type: Literal["computer_use"]
    computer_use: ComputerUseOptions | None = None


class AutomationsTool(Strict):
    """Agents API: let the agent manage its own scheduled wake-ups."""

    type: Literal["automations"]


AssistantBuiltin = Annotated[CodeInterpreterTool | FileSearchTool, Field(discriminator="type")]
AgentBuiltin = Annotated[
    WebSearchTool | McpTool | ToolSearchTool | ProgrammaticToolCallingTool | ComputerUseTool
    | AutomationsTool,
    Field(discriminator="type"),
]
AnyBuiltin = Annotated[
    CodeInterpreterTool | FileSearchTool | WebSearchTool | McpTool | ToolSearchTool
    | ProgrammaticToolCallingTool | ComputerUseTool | AutomationsTool,
    Field(discriminator="type"),
]

ToolRef = Annotated[Name, Field(description="The name of a Tool manifest.")]


# --- permissions and the Tool kind -----------------------------------------------------


class ToolPermissions(Strict):
    """Who may use this tool; without permissions anyone may."""

    selector: LabelSelector


class _Permissioned(Strict):
    # Built only within the Tool manifest: never validated alone, its own validator would be
    # built for nothing (the tool specs inherit this).
    model_config = ConfigDict(defer_build=True)

    permissions: ToolPermissions | None = Field(
        None, description="A label selector naming the assistants and agents that may use it."
    )


class FunctionToolSpec(FunctionTool, _Permissioned):
    """A function tool."""


class CodeInterpreterToolSpec(CodeInterpreterTool, _Permissioned):
    """The code_interpreter built-in (Assistants API)."""


class FileSearchToolSpec(FileSearchTool, _Permissioned):
    """The file_search built-in (Assistants API)."""


class WebSearchToolSpec(WebSearchTool, _Permissioned):
    """The web_search built-in (Agents API)."""


class McpToolSpec(McpTool, _Permissioned):
    """An MCP server (Agents API)."""


class ToolSearchToolSpec(ToolSearchTool, _Permissioned):
    """The tool_search built-in (Agents API)."""


class ProgrammaticToolCallingToolSpec(ProgrammaticToolCallingTool, _Permissioned):
    """Programmatic tool calling (Agents API)."""


class ComputerUseToolSpec(ComputerUseTool, _Permissioned):
    """Computer use (Agents API)."""


class AutomationsToolSpec(AutomationsTool, _Permissioned):
    """Automations (Agents API)."""


ToolSpec = Annotated[
    FunctionToolSpec | CodeInterpreterToolSpec | FileSearchToolSpec | WebSearchToolSpec
    | McpToolSpec | ToolSearchToolSpec | ProgrammaticToolCallingToolSpec | ComputerUseToolSpec
    | AutomationsToolSpec,
    Field(discriminator="type"),
]


class ToolManifest(Strict):
    """A tool that assistants and agents reference by name."""

    apiVersion: V1
    kind: Literal["Tool"]
    metadata: ObjectMeta
    spec: ToolSpec
