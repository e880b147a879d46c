"""Render resolved assistants and agents: exactly what would be sent to the API."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import LiteralScalarString

from reconciler.model.desired import DesiredResource


def as_document(resource: DesiredResource) -> dict[str, Any]:
    """Return a resource as a plain document: identity, source, lifecycle and request body."""
    return {
        "kind": resource.kind,
        "name": resource.name,
        "source": str(resource.source),
        "labels": dict(resource.labels),
        "lifecycle": resource.lifecycle.model_dump(),
        "body": resource.body,
    }


def render_yaml(resources: Sequence[DesiredResource]) -> str:
    """Render as a YAML stream, multi-line text in block style for review."""
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
        return LiteralScalarString(value)
    return value
