"""Tools as the Assistants API wants them: options nested under the tool's type."""

from __future__ import annotations

from typing import Any

from reconciler.kinds.tool.model import FunctionTool


def function_definition(spec: FunctionTool, name: str) -> dict[str, Any]:
    """A function Tool as `{"type": "function", "function": {...}}`."""
    function = spec.function
    body: dict[str, Any] = {"name": name}
    if function.description is not None:
        body["description"] = function.description
    if function.parameters is not None:
        body["parameters"] = function.parameters
    if function.strict is not None:
        body["strict"] = function.strict
    return {"type": "function", "function": body}


def builtin_definition(spec: Any) -> dict[str, Any]:
    """A built-in tool, its options under its type (`{"type": "file_search", "file_search":
    {...}}`)."""
    options = getattr(spec, spec.type, None)
    data = options.model_dump(by_alias=True, exclude_none=True) if options is not None else {}
    return {"type": spec.type, **({spec.type: data} if data else {})}
