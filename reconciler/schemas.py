"""Published JSON Schemas, generated from the pydantic models (the single source).

`reconciler schema export --out schemas/` writes them; a test checks the committed files are
exactly what this module generates, so the two can never drift apart.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from reconciler import API_VERSION, kinds
from reconciler.manifests.structure import DRAFT, model_schema
from reconciler.model.config import ProjectConfig
from reconciler.outputs import check_below, check_folder, write_below

VERSION_DIR = API_VERSION.split("/")[1]


def file_name(kind: str) -> str:
    """Return the published file name of a kind, e.g. `model-catalog.schema.json`."""
    words = "".join(f"-{c.lower()}" if c.isupper() else c for c in kind).lstrip("-")
    return f"{words}.schema.json"


@cache
def _manifest(kind: str) -> type[BaseModel]:
    model = kinds.get(kind).manifest
    if model is None:
        raise KeyError(f"{kind} is not declared by manifests")
    return model


def kind_schema(kind: str) -> dict[str, Any]:
    """Return the published schema of one manifest kind."""
    schema = dict(model_schema(_manifest(kind)))
    schema["title"] = f"{API_VERSION} {kind}"
    return schema


def any_kind_schema() -> dict[str, Any]:
    """Return one schema accepting a manifest of any kind (for mixed-kind files)."""
    defs: dict[str, Any] = {}
    branches = []
    for kind in kinds.names():
        model = _manifest(kind)
        schema = dict(model_schema(model))
        for name, definition in schema.pop("$defs", {}).items():
            if defs.setdefault(name, definition) != definition:
                raise AssertionError(f"two different schema definitions are named {name}")
        schema.pop("$schema", None)
        defs[model.__name__] = schema
        branches.append({
            "if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]},
            "then": {"$ref": f"#/$defs/{model.__name__}"},
        })
    return {
        "$schema": DRAFT,
        "title": f"{API_VERSION} manifest (any kind)",
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "apiVersion": {"const": API_VERSION},
            "kind": {"enum": list(kinds.names())},
        },
        "allOf": branches,
        "$defs": defs,
    }


def config_schema() -> dict[str, Any]:
    """Return the schema of `reconciler.yaml`."""
    schema = dict(model_schema(ProjectConfig))
    schema["title"] = "reconciler.yaml"
    return schema


def published() -> dict[str, dict[str, Any]]:
    """Return every published schema by its path relative to `schemas/`."""
    files = {f"{VERSION_DIR}/{file_name(kind)}": kind_schema(kind) for kind in kinds.names()}
    files[f"{VERSION_DIR}/manifest.schema.json"] = any_kind_schema()
    files["reconciler-config.schema.json"] = config_schema()
    return files


def dumps(schema: dict[str, Any]) -> str:
    """Serialise a schema the way it is committed."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def export(out: Path, *, within: Path | None = None) -> list[Path]:
    """Write every published schema under `out` through no symbolic link below `within`
    (default: `out`; the project root when a command writes them into the project, so a
    committed `schemas -> elsewhere` link is refused too); return the files written."""
    check_folder(out, "--out")
    base, schemas = within or out, published()
    for relative in schemas:  # a link anywhere: refused before anything is written
        check_below(base, out / relative)
    written = []
    for relative, schema in schemas.items():
        target = out / relative
        write_below(base, target, dumps(schema), overwrite=True)
        written.append(target)
    return written
