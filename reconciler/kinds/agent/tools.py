"""Tools as the Agents API wants them: flat, options beside the type."""

from __future__ import annotations

from typing import Any

from reconciler.kinds.tool.model import FunctionTool


def function_definition(spec: FunctionTool, name: str) -> dict[str, Any]:
    """A function Tool, flat; the API requires a description and parameters."""
    function = spec.function
    agent: dict[str, Any] = {
        "type": "function",
        "name": name,
        "description": function.description or "",
        "parameters": function.parameters or {"type": "object", "properties": {}},
    }
    if function.defer_loading is not None:
        agent["defer_loading"] = function.defer_loading
    if function.async_ is not None:
        agent["async"] = function.async_
    return agent


def builtin_definition(spec: Any) -> dict[str, Any]:
    """A built-in tool, its options beside its type."""
    options = getattr(spec, spec.type, None)
    data = options.model_dump(by_alias=True, exclude_none=True) if options is not None else {}
    return {"type": spec.type, **data}
