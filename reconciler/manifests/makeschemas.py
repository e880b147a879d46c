"""`python -m reconciler.manifests.makeschemas`: write the schemas that `structure` checks
instances against on every run (`shipped_schemas`), after a model or pydantic changes. A
script apart from the library; a test fails while what it wrote differs from what it would
write now."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pydantic import VERSION

from reconciler.manifests.structure import checked_models, model_name, model_schema

SHIPPED = Path(__file__).with_name("shipped_schemas.py")
HEADER = '''"""The schemas of `structure.checked_models`, as their models generate them with the
pydantic below: written by `python -m reconciler.manifests.makeschemas`, never by hand."""

# ruff: noqa: E501

from __future__ import annotations

import json
from typing import Any

'''


def text() -> str:
    """The module `SHIPPED` holds: every checked model's schema, by `model_name`."""
    schemas = {model_name(model): model_schema(model) for model in checked_models()}
    body = json.dumps(schemas, indent=1, ensure_ascii=False)
    if "'''" in body:
        raise ValueError("a schema holds ''', which ends the string it is written in")
    return (f"{HEADER}PYDANTIC = {VERSION!r}\n"
            f"SCHEMAS: dict[str, dict[str, Any]] = json.loads(r'''{body}''')\n")


if __name__ == "__main__":
    SHIPPED.write_text(text())
    print(f"wrote {SHIPPED}", file=sys.stderr)
