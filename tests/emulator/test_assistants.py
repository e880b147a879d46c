"""Models and the Assistants API v2 through the official SDK; every answer matches the spec."""

from __future__ import annotations

import io

import openai
import pytest

from tests.emulator.harness import Conformance

FULL = {
    "model": "gpt-6-luna",
    "name": "Support",
    "description": "Answers questions.",
    "instructions": "Be brief.\nBe kind.",
    "tools": [
        {"type": "code_interpreter"},
        {"type": "file_search", "file_search": {"max_num_results": 5, "ranking_options": {
            "ranker": "auto", "score_threshold": 0.5}}},
        {"type": "function", "function": {"name": "lookup", "description": "Look up.",
                                          "parameters": {"type": "object", "properties": {}},
                                          "strict": True}},
    ],
    "metadata": {"team": "support"},
    "temperature": 0.4,
    "top_p": 0.9,
    "response_format": {"type": "json_schema", "json_schema": {
        "name": "answer", "schema": {"type": "object"}, "strict": False}},
    "reasoning_effort": "low",
}


def test_models_list_and_retrieve(client: openai.OpenAI, conformance: Conformance) -> None:
    models = client.models.list().data
    ids = [m.id for m in models]
    assert {"gpt-6-luna", "gpt-6.1-sol", "gpt-6-sol"} <= set(ids)
    deprecated = [m for m in models if getattr(m, "shutdown_date", None)]
    assert deprecated, "the seed list includes deprecated models with a shutdown date"
    assert client.models.retrieve("gpt-6-luna").owned_by == "system"
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("gpt-0")
    assert conformance.checked == 3


def test_create_with_every_field_and_retrieve(client: openai.OpenAI) -> None:
    created = client.beta.assistants.create(**FULL)  # type: ignore[arg-type]
    assert created.id.startswith("asst_")
    fetched = client.beta.assistants.retrieve(created.id)
    assert fetched.model_dump(exclude_none=True) == created.model_dump(exclude_none=True)
    assert fetched.instructions == "Be brief.\nBe kind."
    assert fetched.tools[2].function.strict is True  # type: ignore[union-attr]
    assert fetched.model_extra == {"reasoning_effort": "low"}


def test_defaults_of_a_minimal_assistant(client: openai.OpenAI) -> None:
    created = client.beta.assistants.create(model="gpt-6-sol")
    assert (created.name, created.description, created.instructions) == (None, None, None)
    assert created.tools == [] and created.metadata == {}
    assert (created.temperature, created.top_p, created.response_format) == (1.0, 1.0, "auto")


@pytest.mark.parametrize(("field", "value"), [
    ("name", "Renamed"), ("description", "New."), ("instructions", "x" * 1000),
    ("model", "gpt-6.1-terra"), ("tools", [{"type": "code_interpreter"}]),
    ("metadata", {"owner": "me"}), ("temperature", 1.7), ("top_p", 0.1),
    ("response_format", {"type": "json_object"}), ("reasoning_effort", "high"),
])
def test_update_each_field(client: openai.OpenAI, field: str, value: object) -> None:
    created = client.beta.assistants.create(**FULL)  # type: ignore[arg-type]
    updated = client.beta.assistants.update(created.id, **{field: value})  # type: ignore[arg-type]
    data = updated.model_dump(mode="json", exclude_none=True)
    shown = data[field] if field in data else updated.model_extra[field]  # type: ignore[index]
    assert shown == value
    untouched = {k for k in FULL if k != field}
    before = created.model_dump(mode="json")
    after = updated.model_dump(mode="json")
    assert {k: after.get(k) for k in untouched} == {k: before.get(k) for k in untouched}


def test_null_resets_to_the_default(client: openai.OpenAI) -> None:
    created = client.beta.assistants.create(**FULL)  # type: ignore[arg-type]
    updated = client.beta.assistants.update(created.id, name=None, temperature=None,
                                             response_format=None)
    assert (updated.name, updated.temperature, updated.response_format) == (None, 1.0, "auto")


def test_tool_resources_reference_files_and_stores(client: openai.OpenAI) -> None:
    upload = client.files.create(file=("data.py", io.BytesIO(b"print(1)"), "text/x-python"),
                                 purpose="assistants")
    store = client.vector_stores.create(name="kb")
    created = client.beta.assistants.create(model="gpt-6-luna", tool_resources={
        "code_interpreter": {"file_ids": [upload.id]},
        "file_search": {"vector_store_ids": [store.id]}})
    assert created.tool_resources is not None
    assert created.tool_resources.file_search.vector_store_ids == [store.id]  # type: ignore
    with pytest.raises(openai.BadRequestError) as missing:
        client.beta.assistants.create(model="gpt-6-luna", tool_resources={
            "file_search": {"vector_store_ids": ["vs_missing"]}})
    assert missing.value.body["param"] == "tool_resources.file_search.vector_store_ids[0]"


def test_vector_stores_helper_creates_a_store(client: openai.OpenAI) -> None:
    upload = client.files.create(file=("a.md", io.BytesIO(b"# a"), "text/markdown"),
                                 purpose="assistants")
    created = client.beta.assistants.create(model="gpt-6-luna", tools=[{"type": "file_search"}],
                                            tool_resources={"file_search": {"vector_stores": [
                                                {"file_ids": [upload.id]}]}})
    (store_id,) = created.tool_resources.file_search.vector_store_ids  # type: ignore
    assert client.vector_stores.retrieve(store_id).file_counts.total == 1


def test_delete_then_404(client: openai.OpenAI) -> None:
    created = client.beta.assistants.create(model="gpt-6-luna")
    deleted = client.beta.assistants.delete(created.id)
    assert deleted.deleted is True and deleted.id == created.id
    with pytest.raises(openai.NotFoundError) as gone:
        client.beta.assistants.retrieve(created.id)
    assert gone.value.body["message"] == f"No assistant found with id '{created.id}'."
    for call in (lambda: client.beta.assistants.update(created.id, name="x"),
                 lambda: client.beta.assistants.delete(created.id)):
        with pytest.raises(openai.NotFoundError):
            call()
