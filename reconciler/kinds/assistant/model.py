"""The `Assistant` kind: mirrors what the Assistants API v2 accepts on create and update."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from reconciler.kinds.tool.model import AssistantBuiltin, FunctionName, JsonSchemaObject, ToolRef
from reconciler.model.common import V1, Lifecycle, Metadata, Name, ObjectMeta, Strict

ReasoningEffort = Literal["none", "minimal", "low", "medium", "high", "xhigh", "max"]

MAX_TOOLS = 128
MAX_NAME = 256
MAX_DESCRIPTION = 512
MAX_INSTRUCTIONS = 256_000

Template = Annotated[Name | None, Field(description="A Template manifest to start from.")]
Vars = Annotated[
    dict[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")], str | int | float | bool],
    Field(description="Values for `{{ variable }}` placeholders in instructions, "
                      "description and name."),
]


class ResponseFormatText(Strict):
    """Plain text output."""

    type: Literal["text"]


class ResponseFormatJsonObject(Strict):
    """JSON mode: the output is valid JSON."""

    type: Literal["json_object"]


class JsonSchemaFormat(Strict):
    """Structured Outputs: the output matches a JSON Schema."""

    name: FunctionName
    description: str | None = None
    schema_: JsonSchemaObject | None = Field(None, alias="schema")
    strict: bool | None = None


class ResponseFormatJsonSchema(Strict):
    """Structured Outputs with a JSON Schema."""

    type: Literal["json_schema"]
    json_schema: JsonSchemaFormat


ResponseFormat = (
    Literal["auto"]
    | Annotated[
        ResponseFormatText | ResponseFormatJsonObject | ResponseFormatJsonSchema,
        Field(discriminator="type"),
    ]
)


MAX_CODE_FILES = 20
MAX_STORES = 1


class CodeInterpreterResources(Strict):
    """Files made available to code_interpreter: repository files by path (uploaded and kept
    in sync by the reconciler) and existing uploads by id."""

    files: list[Annotated[str, Field(min_length=1)]] = Field(
        default_factory=list, max_length=MAX_CODE_FILES,
        description="Repository files, relative to this manifest (e.g. `data/sales.csv`); "
                    "uploaded once per content, replaced when they change.")
    file_ids: list[str] = Field(
        default_factory=list, max_length=MAX_CODE_FILES,
        description="Files already uploaded, by id (left as they are).")


class FileSearchResources(Strict):
    """The vector store used by file_search: a VectorStore manifest, or an existing id."""

    vector_stores: list[Name] = Field(
        default_factory=list, max_length=MAX_STORES,
        description="VectorStore manifests by name; resolved to their live ids.")
    vector_store_ids: list[str] = Field(
        default_factory=list, max_length=MAX_STORES,
        description="Existing vector stores by id (not managed here).")


class ToolResources(Strict):
    """Resources used by the assistant's built-in tools."""

    code_interpreter: CodeInterpreterResources | None = None
    file_search: FileSearchResources | None = None


AssistantToolItem = Annotated[
    ToolRef | AssistantBuiltin,
    Field(description="A Tool manifest's name, or an inline built-in such as "
                      "`{type: code_interpreter}`."),
]


class AssistantSettings(Strict):
    """The fields of an assistant sent to the API (every one optional here)."""

    # Built only within the manifests that hold it (Assistant, Template): never validated
    # alone, its own validator would be built for nothing (its subclasses inherit this).
    model_config = ConfigDict(defer_build=True)

    model: str | None = Field(None, min_length=1, description="The model ID, e.g. `gpt-4o`.")
    name: str | None = Field(
        None, max_length=MAX_NAME,
        description="The live name. Defaults to the manifest name; `null` leaves it unnamed.",
    )
    description: str | None = Field(None, max_length=MAX_DESCRIPTION)
    instructions: str | None = Field(None, max_length=MAX_INSTRUCTIONS)
    tools: list[AssistantToolItem] | None = Field(None, max_length=MAX_TOOLS)
    tool_resources: ToolResources | None = None
    metadata: Metadata | None = None
    temperature: float | None = Field(None, ge=0, le=2)
    top_p: float | None = Field(None, ge=0, le=1)
    response_format: ResponseFormat | None = None
    reasoning_effort: ReasoningEffort | None = None


class AssistantSpec(AssistantSettings):
    """An assistant: its settings, the template it starts from, and its lifecycle."""

    template: Template = None
    vars: Vars = Field(default_factory=dict)
    lifecycle: Lifecycle | None = None


class AssistantManifest(Strict):
    """An OpenAI assistant (Assistants API v2, `/v1/assistants`)."""

    apiVersion: V1
    kind: Literal["Assistant"]
    metadata: ObjectMeta
    spec: AssistantSpec
