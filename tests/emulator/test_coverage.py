"""Every endpoint the emulator serves is driven through the official SDK here, with every
answer validated against the spec, and the emulator's counters prove none was missed."""

from __future__ import annotations

import io

import openai
import pytest

from openai_emulator import routes
from tests.emulator.harness import Emulator
from tests.emulator.session_checks import SessionConformance, checked_client

ROUTES = {f"{method} {route.path}" for route in routes.api_routes()
          for method in route.methods or () if method != "HEAD"}
"""Every /v1 route the emulator serves, from its single list: a new one fails this test
until it is driven below."""


def test_every_endpoint_through_the_sdk(emulator: Emulator) -> None:
    conformance = SessionConformance()  # sessions and usage pages: the SDK's types too
    client = checked_client(emulator.url, conformance)
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
    session = client.beta.agents.sessions.create(agent_id=agent.id, input="hello",
                                                 environment={"type": "none"})
    client.beta.agents.sessions.list(agent_id=agent.id)
    client.beta.agents.sessions.retrieve(session.id)
    client.beta.agents.sessions.delete(session.id)
    client.admin.organization.usage.completions(start_time=0)
    client.admin.organization.usage.costs(start_time=0)
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
    assert len(ROUTES) == 40
    assert conformance.checked == len(ROUTES) - 1, "every JSON answer was checked (content "
    "is bytes)"
    assert conformance.problems == [], "answers that do not match the spec or the SDK's types"
