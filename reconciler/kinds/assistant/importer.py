"""An Assistant manifest's spec from a live assistant: fields at their default left out."""

from __future__ import annotations

from typing import Any

from reconciler.kinds.assistant.normalize import DEFAULTS, RANKING_SERVER_DEFAULTS
from reconciler.kinds.importing import start


def spec_of(raw: dict[str, Any], name: str, tool_ref: Any) -> dict[str, Any]:
    """The spec of an Assistant manifest that declares `raw`."""
    form, spec = start(raw, name, "Assistant", tool_ref, _builtin)
    for key in ("tool_resources", "metadata", "temperature", "top_p", "response_format",
                "reasoning_effort"):
        if form[key] != DEFAULTS[key]:
            spec[key] = form[key]
    return spec


def _builtin(tool: dict[str, Any]) -> dict[str, Any]:
    options = tool.get("file_search")
    if isinstance(options, dict) and options.get("ranking_options") in RANKING_SERVER_DEFAULTS:
        options = {k: v for k, v in options.items() if k != "ranking_options"}
    return {"type": tool["type"], **({"file_search": options} if options else {})}
