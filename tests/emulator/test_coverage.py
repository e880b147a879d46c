"""Every endpoint the emulator serves is driven through the official SDK here, with every
answer validated against the spec, and the emulator's counters prove none was missed."""

from __future__ import annotations

import io

import openai
import pytest

from openai_emulator import agents, assistants, files, search, vector_stores
from tests.emulator.harness import Conformance, Emulator

ROUTES = {f"{method} {route.path}" for module in (assistants, agents, files, vector_stores, search)
          for route in module.ROUTES for method in route.methods or () if method != "HEAD"}


def test_every_endpoint_through_the_sdk(emulator: Emulator, client: openai.OpenAI,
                                        conformance: Conformance) -> None:
    emulator.call("DELETE", "/stats")
    client.models.list()
    client.models.retrieve("gpt-6-luna")
    with pytest.raises(openai.PermissionDeniedError):
        client.models.delete("gpt-6-luna")
    asst = client.beta.assistants.create(model="gpt-6-luna")
    client.beta.assistants.list()
    client.beta.assistants.retrieve(asst.id)
    client.beta.assistants.update(asst.id, name="x")
    client.beta.assistants.delete(asst.id)
    agent = client.beta.agents.create(model="gpt-6.1-sol")
    client.beta.agents.list()
    client.beta.agents.retrieve(agent.id)
    client.beta.agents.update(agent.id, name="x")
    client.beta.agents.delete(agent.id)
    upload = client.files.create(file=("a.md", io.BytesIO(b"# a")), purpose="assistants")
    client.files.list()
    client.files.retrieve(upload.id)
    client.files.content(upload.id).read()
    store = client.vector_stores.create(name="kb")
    client.vector_stores.list()
    client.vector_stores.retrieve(store.id)
    client.vector_stores.update(store.id, name="kb2")
    client.vector_stores.files.create(vector_store_id=store.id, file_id=upload.id)
    client.vector_stores.files.list(vector_store_id=store.id)
    client.vector_stores.files.retrieve(upload.id, vector_store_id=store.id)
    client.vector_stores.files.update(upload.id, vector_store_id=store.id, attributes={"a": 1})
    client.vector_stores.files.content(upload.id, vector_store_id=store.id)
    client.vector_stores.search(store.id, query="a")
    client.vector_stores.files.delete(upload.id, vector_store_id=store.id)
    batch = client.vector_stores.file_batches.create(vector_store_id=store.id,
                                                     file_ids=[upload.id])
    client.vector_stores.file_batches.retrieve(batch.id, vector_store_id=store.id)
    client.vector_stores.file_batches.list_files(batch.id, vector_store_id=store.id)
    client.vector_stores.file_batches.cancel(batch.id, vector_store_id=store.id)
    client.vector_stores.delete(store.id)
    client.files.delete(upload.id)

    hit = set(emulator.stats()["requests"])
    assert ROUTES - hit == set(), "endpoints not exercised"
    assert len(ROUTES) == 34
    assert conformance.checked == len(ROUTES) - 1, "every JSON answer was checked (content "
    "is bytes)"
