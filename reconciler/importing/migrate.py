"""Assistants -> agents: carry over what the Agents API can express, report the rest.

Input is an assistant as an API body whose function tools are Tool manifest names (the
shape `convert` produces for live assistants, and what resolved Assistant manifests become).
Nothing is dropped silently: every field without an equivalent is reported with why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reconciler import API_VERSION
from reconciler.kinds.importing import escape

MIGRATED_FROM = "reconciler/migrated-from"
DESCRIPTION = "reconciler/description"
NO_EQUIVALENT = {
    "code_interpreter": "the Agents API has no code_interpreter tool",
    "file_search": "the Agents API has no file_search tool (consider an mcp server)",
}


@dataclass
class Migration:
    """One assistant turned into an agent, with what happened to each field."""

    source: str
    name: str
    document: dict[str, Any]
    carried: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def migrate(source: str, name: str, body: dict[str, Any], *, labels: dict[str, str] | None = None,
            strict_tools: set[str] | None = None, literal: bool = True) -> Migration:
    """The Agent manifest for an assistant body; `strict_tools` names Tools with strict on;
    `literal` says the texts are final (escape `{{`), not already manifest text."""
    text = escape if literal else (lambda value: value)
    spec: dict[str, Any] = {"model": body["model"]}
    result = Migration(source, name, {})
    result.carried.append("model")
    if body.get("name") is not None and body.get("name") != name:
        spec["name"] = text(body["name"])
    if "name" in body:
        result.carried.append("name")
    if body.get("instructions") is not None:
        spec["instructions"] = text(body["instructions"])
        result.carried.append("instructions")
    annotations = {MIGRATED_FROM: source}
    if body.get("description"):
        annotations[DESCRIPTION] = body["description"]
        result.notes.append(f"description has no field in the Agents API; kept as the "
                            f"annotation {DESCRIPTION}")
    tools = _tools(body.get("tools") or [], result, strict_tools or set())
    if tools:
        spec["tools"] = tools
    if body.get("metadata"):
        spec["metadata"] = dict(body["metadata"])
        result.carried.append("metadata")
    _sampling(body, result)
    _formats(body, spec, result)
    if body.get("reasoning_effort"):
        spec["reasoning"] = {"effort": body["reasoning_effort"]}
        result.carried.append("reasoning_effort -> reasoning.effort")
    resources = {k: v for k, v in (body.get("tool_resources") or {}).items() if v}
    if resources:
        result.dropped.append(f"tool_resources ({', '.join(resources)}): the Agents API has "
                              "no tool resources")
    metadata: dict[str, Any] = {"name": name, "annotations": annotations}
    if labels:
        metadata["labels"] = dict(labels)
    result.document = {"apiVersion": API_VERSION, "kind": "Agent", "metadata": metadata,
                       "spec": spec}
    return result


def _tools(tools: list[Any], result: Migration, strict_tools: set[str]) -> list[Any]:
    kept: list[Any] = []
    for index, tool in enumerate(tools):
        if isinstance(tool, str):
            kept.append(tool)
            result.carried.append(f"tools[{index}] ({tool})")
            if tool in strict_tools:
                result.notes.append(f"tool '{tool}' sets strict, which the Agents API does not "
                                    "enforce")
            continue
        kind = tool.get("type")
        result.dropped.append(f"tools[{index}] ({kind}): "
                              + NO_EQUIVALENT.get(str(kind), "not a tool of the Agents API"))
    return kept


def _sampling(body: dict[str, Any], result: Migration) -> None:
    for key in ("temperature", "top_p"):
        value = body.get(key)
        if value is not None and float(value) != 1.0:
            result.dropped.append(f"{key} {value}: the Agents API has no sampling settings")


def _formats(body: dict[str, Any], spec: dict[str, Any], result: Migration) -> None:
    response_format = body.get("response_format")
    if not isinstance(response_format, dict) or response_format.get("type") == "text":
        return
    if response_format.get("type") == "json_object":
        result.dropped.append("response_format json_object: the Agents API has no JSON mode "
                              "(give a json_schema instead)")
        return
    json_schema = response_format.get("json_schema") or {}
    schema = json_schema.get("schema") or {"type": "object"}
    spec["text"] = {"format": {"type": "json_schema", "schema": schema}}
    result.carried.append("response_format json_schema -> text.format")
    lost = [k for k in ("name", "description", "strict") if json_schema.get(k) is not None]
    if lost:
        result.notes.append(f"response_format.json_schema {', '.join(lost)} have no place in "
                            "text.format")


def report(migrations: list[Migration]) -> str:
    """The per-manifest report: carried, dropped with reasons, notes."""
    lines = []
    for item in migrations:
        lines.append(f"{item.source} -> Agent/{item.name}")
        lines.append(f"  carried: {', '.join(item.carried)}")
        lines += [f"  dropped: {line}" for line in item.dropped]
        lines += [f"  note:    {line}" for line in item.notes]
        lines.append("")
    dropped = sum(len(m.dropped) for m in migrations)
    lines.append(f"{len(migrations)} assistant(s) migrated; {dropped} field(s) have no "
                 "equivalent in the Agents API (listed above).")
    return "\n".join(lines)
