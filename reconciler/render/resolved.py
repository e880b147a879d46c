"""Render resolved stores, assistants and agents: exactly what would be sent to the API."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

from reconciler.escape import escape_workflow_commands
from reconciler.model.desired import DesiredResource


def as_document(resource: DesiredResource) -> dict[str, Any]:
    """Return a resource as a plain document: identity, source, lifecycle, request body, and
    the repository files and stores whose live ids are filled in at apply."""
    document: dict[str, Any] = {
        "kind": resource.kind,
        "name": resource.name,
        "source": str(resource.source),
        "labels": dict(resource.labels),
        "lifecycle": resource.lifecycle.model_dump(),
        "body": resource.body,
    }
    if resource.chunking_strategy is not None:
        document["chunking_strategy"] = resource.chunking_strategy
    if resource.files:
        document["files"] = [{"path": f.path, "sha256": f.sha256, "bytes": f.size}
                             for f in resource.files]
    if resource.store_refs:
        document["vector_stores"] = list(resource.store_refs)
    return document


def render_yaml(resources: Sequence[DesiredResource]) -> str:
    """Render as a YAML stream, multi-line text in block style for review (quoted instead
    when one of its lines would be a CI runner's command)."""
    yaml = YAML()
    yaml.default_flow_style = False
    yaml.width = 100
    out = io.StringIO()
    yaml.dump_all([_blockify(as_document(r)) for r in resources], out)
    return out.getvalue()


def render_json(resources: Sequence[DesiredResource]) -> str:
    """Render as a JSON array."""
    return json.dumps([as_document(r) for r in resources], indent=2, ensure_ascii=False)


def _blockify(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _blockify(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_blockify(v) for v in value]
    if isinstance(value, str) and "\n" in value:
        if escape_workflow_commands(value) != value:  # a line a CI runner would obey
            return DoubleQuotedScalarString(value)
        return LiteralScalarString(value)
    return value
