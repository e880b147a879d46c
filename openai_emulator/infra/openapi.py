"""The request schemas the emulator validates against, extracted from OpenAI's OpenAPI spec.

The emulator ships inside the package, so it carries the schemas it needs in
`openai_emulator/data/openapi-subset.json` (from the MIT-licensed openai-openapi repository).
Regenerate with `python -m openai_emulator.infra.openapi PATH/TO/openapi.yaml`; a test checks
the packaged file equals a fresh extraction whenever the full spec is available.
"""

from __future__ import annotations

import json
import sys
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

REQUEST_SCHEMAS = (
    "CreateAssistantRequest",
    "ModifyAssistantRequest",
    "CreateVectorStoreRequest",
    "UpdateVectorStoreRequest",
    "CreateVectorStoreFileRequest",
    "UpdateVectorStoreFileAttributesRequest",
    "CreateVectorStoreFileBatchRequest",
    "VectorStoreSearchRequest",
)
DROPPED_KEYS = ("example", "examples", "x-oaiMeta", "x-oaiTypeLabel", "x-stainless-const")
SUBSET_FILE = "openapi-subset.json"
NOTICE = ("Extracted from openapi.yaml of the openai-openapi repository (MIT License, "
          "Copyright OpenAI). Do not edit: regenerate with "
          "`python -m openai_emulator.infra.openapi PATH/TO/openapi.yaml`.")


def extract(spec: dict[str, Any]) -> dict[str, Any]:
    """Return the request schemas and everything they reference."""
    schemas = spec["components"]["schemas"]
    wanted: dict[str, Any] = {}
    pending = list(REQUEST_SCHEMAS)
    while pending:
        name = pending.pop()
        if name in wanted:
            continue
        wanted[name] = _clean(schemas[name])
        pending.extend(_refs(wanted[name]))
    return {"$comment": NOTICE, "version": spec["info"]["version"],
            "components": {"schemas": dict(sorted(wanted.items()))}}


def _clean(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _clean(v) for k, v in node.items() if k not in DROPPED_KEYS}
    if isinstance(node, list):
        return [_clean(v) for v in node]
    if hasattr(node, "isoformat"):
        return node.isoformat()
    return node


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = []
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            found.append(ref.rsplit("/", 1)[1])
        for value in node.values():
            found.extend(_refs(value))
        return found
    if isinstance(node, list):
        return [r for item in node for r in _refs(item)]
    return []


def json_schema_compatible(node: Any) -> Any:
    """Translate OpenAPI 3.0's `nullable: true`, still used in places of the 3.1 spec, into
    JSON Schema (`anyOf: [..., {type: null}]`), so that null is accepted where it is meant."""
    if isinstance(node, list):
        return [json_schema_compatible(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {k: json_schema_compatible(v) for k, v in node.items()}
    members = node.get("allOf")
    marker = {"nullable": True}
    if isinstance(members, list) and marker in members:
        rest = [m for m in members if m != marker]
        outer = {k: v for k, v in node.items() if k != "allOf"}
        inner = rest[0] if len(rest) == 1 else {"allOf": rest}
        return {"anyOf": [{**outer, **inner}, {"type": "null"}]}
    if node.get("nullable") is True and len(node) > 1:
        return {"anyOf": [{k: v for k, v in node.items() if k != "nullable"},
                          {"type": "null"}]}
    return node


@cache
def subset() -> dict[str, Any]:
    """Return the packaged subset."""
    text = resources.files("openai_emulator.data").joinpath(SUBSET_FILE).read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def load_spec(path: Path) -> dict[str, Any]:
    """Load the full OpenAPI spec (YAML): 3 MB, read by libyaml in half a second (ruamel's
    safe loader takes eight times as long, for the same values)."""
    import yaml

    with path.open(encoding="utf-8") as handle:
        spec: dict[str, Any] = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader",
                                                                 yaml.SafeLoader))
    return spec


def main(argv: list[str]) -> None:
    """Regenerate the packaged subset from a full spec."""
    spec = load_spec(Path(argv[0]))
    target = Path(__file__).parent.parent / "data" / SUBSET_FILE
    target.write_text(json.dumps(extract(spec), indent=1, sort_keys=False) + "\n", "utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main(sys.argv[1:])
