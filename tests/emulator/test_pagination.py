"""Pagination with more than 250 objects, in both orders, through the SDK and raw cursors."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import openai
import pytest

from tests.emulator.harness import Emulator

COUNT = 260


@pytest.fixture(scope="module")
def populated(emulator: Emulator) -> dict[str, list[str]]:
    """Create COUNT assistants, agents, vector stores and files (oldest first)."""
    from tests.emulator.harness import sdk_client

    emulator.reset()
    client = sdk_client(emulator.url)
    made: dict[str, list[str]] = {"assistants": [], "agents": [], "stores": [], "files": []}
    for i in range(COUNT):
        made["assistants"].append(
            client.beta.assistants.create(model="gpt-6-luna", name=f"a{i}").id)
        made["agents"].append(client.beta.agents.create(model="gpt-6.1-sol", name=f"g{i}").id)
        made["stores"].append(client.vector_stores.create(name=f"s{i}").id)
        made["files"].append(client.files.create(file=(f"f{i}.txt", io.BytesIO(b"x")),
                                                 purpose="assistants").id)
    return made


def _lists(client: openai.OpenAI) -> dict[str, Callable[..., Any]]:
    return {
        "assistants": client.beta.assistants.list,
        "agents": client.beta.agents.list,
        "stores": client.vector_stores.list,
        "files": client.files.list,
    }


@pytest.mark.parametrize("kind", ["assistants", "agents", "stores", "files"])
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_auto_pagination_yields_everything_in_order(
        client: openai.OpenAI, populated: dict[str, list[str]], kind: str, order: str) -> None:
    limit = 1000 if kind == "files" else 100
    ids = [item.id for item in _lists(client)[kind](limit=min(limit, 100), order=order)]
    expected = populated[kind] if order == "asc" else list(reversed(populated[kind]))
    assert ids == expected


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_pages_cursors_and_has_more(client: openai.OpenAI, populated: dict[str, list[str]],
                                    order: str) -> None:
    expected = populated["assistants"] if order == "asc" else list(
        reversed(populated["assistants"]))
    first = client.beta.assistants.with_raw_response.list(limit=100, order=order)
    body = first.http_response.json()
    assert [a["id"] for a in body["data"]] == expected[:100]
    assert (body["first_id"], body["last_id"], body["has_more"]) == (
        expected[0], expected[99], True)
    third = client.beta.assistants.list(limit=100, order=order, after=expected[199])
    assert [a.id for a in third.data] == expected[200:]
    assert third.has_more is False
    back = client.beta.assistants.list(limit=50, order=order, before=expected[200])
    assert [a.id for a in back.data] == expected[150:200]
    assert back.has_more is True
    start = client.beta.assistants.list(limit=50, order=order, before=expected[10])
    assert [a.id for a in start.data] == expected[:10] and start.has_more is False


def test_vector_store_files_before_and_after(client: openai.OpenAI) -> None:
    store = client.vector_stores.create(name="paged")
    ids = []
    for i in range(30):
        file_id = client.files.create(file=(f"p{i}.md", io.BytesIO(b"x")),
                                      purpose="assistants").id
        client.vector_stores.files.create(vector_store_id=store.id, file_id=file_id)
        ids.append(file_id)
    listed = [f.id for f in client.vector_stores.files.list(vector_store_id=store.id, limit=7,
                                                            order="asc")]
    assert listed == ids
    before = client.vector_stores.files.list(vector_store_id=store.id, limit=5, order="asc",
                                             before=ids[20])
    assert [f.id for f in before.data] == ids[15:20]


@pytest.mark.parametrize(("params", "param", "code"), [
    ({"limit": 0}, "limit", "integer_below_min_value"),
    ({"limit": 101}, "limit", "integer_above_max_value"),
    ({"order": "sideways"}, "order", "invalid_value"),
    ({"after": "asst_unknown"}, "after", "invalid_value"),
])
def test_invalid_list_parameters(client: openai.OpenAI, populated: dict[str, list[str]],
                                 params: dict[str, Any], param: str, code: str) -> None:
    with pytest.raises(openai.BadRequestError) as error:
        client.beta.assistants.list(**params)
    assert (error.value.body["param"], error.value.body["code"]) == (param, code)


def test_files_limit_allows_ten_thousand(client: openai.OpenAI,
                                         populated: dict[str, list[str]]) -> None:
    page = client.files.list(limit=10_000)
    assert len(page.data) >= COUNT and page.has_more is False
    with pytest.raises(openai.BadRequestError):
        client.files.list(limit=10_001)
