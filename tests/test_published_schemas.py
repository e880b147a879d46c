"""The published JSON Schemas are generated from the models, accept the example set and give
the same verdicts as `validate` on the broken corpus."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from reconciler import schemas
from tests.conftest import EXAMPLES, SCHEMAS
from tests.test_corpus import EXPECTED, INVALID
from tests.yaml_plain import to_plain

ANY_KIND = json.loads((SCHEMAS / "v1" / "manifest.schema.json").read_text())


def _validator(schema: dict[str, Any]) -> Draft202012Validator:
    return Draft202012Validator(schema, format_checker=FormatChecker())


def _documents(path: Path) -> list[Any]:
    files = sorted(path.rglob("*.yaml")) if path.is_dir() else [path]
    docs = []
    for file in files:
        docs.extend(to_plain(d) for d in YAML().load_all(file.read_text()) if d is not None)
    return docs


def test_committed_schemas_are_exactly_the_generated_ones() -> None:
    expected = schemas.published()
    on_disk = {str(p.relative_to(SCHEMAS)) for p in SCHEMAS.rglob("*.json")}
    assert on_disk == set(expected), "run `make schemas`"
    for relative, schema in expected.items():
        assert (SCHEMAS / relative).read_text() == schemas.dumps(schema), (
            f"schemas/{relative} is stale: run `make schemas`")


@pytest.mark.parametrize("relative", sorted(schemas.published()))
def test_each_published_schema_is_valid_draft_2020_12(relative: str) -> None:
    Draft202012Validator.check_schema(json.loads((SCHEMAS / relative).read_text()))


def test_schemas_describe_their_fields() -> None:
    assistant = json.loads((SCHEMAS / "v1" / "assistant.schema.json").read_text())
    spec = assistant["$defs"]["AssistantSpec"]["properties"]
    assert "description" in spec["name"]
    assert "Defaults to the manifest name" in spec["name"]["description"]


def test_example_set_is_accepted_by_the_published_schemas() -> None:
    documents = _documents(EXAMPLES)
    assert len(documents) >= 10
    for document in documents:
        per_kind = json.loads((SCHEMAS / "v1" / schemas.file_name(document["kind"])).read_text())
        assert not list(_validator(ANY_KIND).iter_errors(document))
        assert not list(_validator(per_kind).iter_errors(document))


def test_config_file_is_accepted_by_its_schema() -> None:
    config = json.loads((SCHEMAS / "reconciler-config.schema.json").read_text())
    document = to_plain(YAML().load((EXAMPLES.parent / "reconciler.yaml").read_text()))
    assert not list(_validator(config).iter_errors(document))


@pytest.mark.parametrize("name", sorted(n for n, c in EXPECTED.items() if c["stage"] == "schema"))
def test_schema_stage_cases_are_rejected_by_the_published_schema(name: str) -> None:
    documents = _documents(INVALID / name)
    rejected = [d for d in documents if list(_validator(ANY_KIND).iter_errors(d))]
    assert rejected, f"{name}: validate rejects it, so the published schema must too"


@pytest.mark.parametrize("name", sorted(n for n, c in EXPECTED.items()
                                        if c["stage"] == "semantic"))
def test_semantic_cases_pass_the_schema_document_by_document(name: str) -> None:
    for document in _documents(INVALID / name):
        assert not list(_validator(ANY_KIND).iter_errors(document)), (
            f"{name} is a cross-document case; its documents are each schema-valid")


@pytest.mark.parametrize("name", sorted(n for n, c in EXPECTED.items() if c["stage"] == "yaml"))
def test_yaml_stage_cases_are_not_loadable_documents(name: str) -> None:
    try:
        documents = _documents(INVALID / name)
    except YAMLError:
        return
    assert any(not isinstance(d, dict) for d in documents)
