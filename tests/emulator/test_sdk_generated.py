"""The `openai` package's generated API tests (3.57.0: `tests/api_resources/` for models, files,
assistants, agents, vector stores, store files and file batches), reproduced against the
emulator with real ids: every `test_method_*` call, each made as a method, through
`with_raw_response` and through `with_streaming_response`, by a loose and a strict client
(`_strict_response_validation`), as the generated tests parametrize them; every answer is also
checked against the spec. The placeholders they send to a mock server (`"string"`,
`"vs_abc123"`, `"gpt-6-astra"`) are replaced by objects created first.

Six of their calls send what the API refuses, so here they must be refused as the API would:
`limit=0` (four lists; the API's minimum is 1), a file batch with neither `file_ids` nor
`files` and one with both, an assistant whose `file_search` resources name both
`vector_store_ids` and `vector_stores` (the spec's `oneOf`).
"""

from __future__ import annotations

import io
import itertools
import json
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path
from typing import Any

import openai
import pytest

from openai_emulator.infra.state import default_models
from tests.emulator.harness import Conformance, Emulator, start_emulator

FINE_TUNED = "ft:gpt-4o-mini:acemeco:suffix:abc123"
STYLES = ("method", "raw", "streaming")


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """An emulator whose account owns fine-tuned models (one per call that deletes one)."""
    folder: Path = tmp_path_factory.mktemp("sdk-generated")
    owned = [{"id": f"{FINE_TUNED}-{n}", "object": "model", "created": 1720000000,
              "owned_by": "org-acemeco"} for n in range(len(STYLES) * 2)]
    models = folder / "models.json"
    models.write_text(json.dumps([*default_models(), *owned]))
    running = start_emulator(folder, "--index-delay", "0", "--models", str(models))
    yield running
    running.stop()


def make_client(url: str, conformance: Conformance | None, *, strict: bool) -> openai.OpenAI:
    """A client whose answers are checked against the spec (the check reads each answer
    whole, so a streaming call gets a client without it: its answer must still be open)."""
    hooks = {"response": [conformance.hook()]} if conformance is not None else {}
    http = openai.DefaultHttpxClient(event_hooks=hooks)
    return openai.OpenAI(base_url=url, api_key="test-key", max_retries=0, http_client=http,
                         _strict_response_validation=strict)


class Ids:
    """Real objects for the placeholders of the generated tests."""

    deleted_models = itertools.count()
    """Shared by every client: each fine-tuned model can be deleted once."""

    def __init__(self, client: openai.OpenAI) -> None:
        self.client = client

    def file(self) -> str:
        return self.client.files.create(file=("notes.md", io.BytesIO(b"# string\nExample data")),
                                        purpose="assistants").id

    def store(self) -> str:
        return self.client.vector_stores.create(name="kb").id

    def store_file(self) -> tuple[str, str]:
        store, file = self.store(), self.file()
        self.client.vector_stores.files.create(vector_store_id=store, file_id=file,
                                               attributes={"foo": "string"})
        return store, file

    def batch(self) -> tuple[str, str]:
        store = self.store()
        batch = self.client.vector_stores.file_batches.create(vector_store_id=store,
                                                              file_ids=[self.file()])
        return store, batch.id

    def assistant(self) -> str:
        return self.client.beta.assistants.create(model="gpt-6-sol").id

    def agent(self) -> str:
        return self.client.beta.agents.create(model="gpt-6.1-sol").id

    def fine_tuned(self) -> str:
        return f"{FINE_TUNED}-{next(self.deleted_models)}"


@dataclass(frozen=True)
class Call:
    """One `test_method_*` of the generated tests: resource, method, arguments (built from
    real ids), and the parameter the API names when it refuses the call (None: accepted)."""

    name: str
    resource: str
    method: str
    arguments: Callable[[Ids], tuple[tuple[Any, ...], dict[str, Any]]]
    refused: str | None = None


def args(*positional: Any, **named: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    return positional, named


def _store_file_args(ids: Ids, **extra: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    store, file = ids.store_file()
    return args(file_id=file, vector_store_id=store, **extra)


def _batch_args(ids: Ids, **extra: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    store, batch = ids.batch()
    return args(batch_id=batch, vector_store_id=store, **extra)


CALLS = [
    # tests/api_resources/test_models.py
    Call("models.retrieve", "models", "retrieve", lambda ids: args("gpt-6-sol")),
    Call("models.list", "models", "list", lambda ids: args()),
    Call("models.delete", "models", "delete", lambda ids: args(ids.fine_tuned())),
    # tests/api_resources/test_files.py
    Call("files.create", "files", "create",
         lambda ids: args(file=b"Example data", purpose="assistants")),
    Call("files.create_with_all_params", "files", "create",
         lambda ids: args(file=b"Example data", purpose="assistants",
                          expires_after={"anchor": "created_at", "seconds": 3600})),
    Call("files.retrieve", "files", "retrieve", lambda ids: args(ids.file())),
    Call("files.list", "files", "list", lambda ids: args()),
    Call("files.list_with_all_params", "files", "list",
         lambda ids: args(after=ids.file(), limit=0, order="asc", purpose="purpose"), "limit"),
    Call("files.delete", "files", "delete", lambda ids: args(ids.file())),
    Call("files.content", "files", "content", lambda ids: args(ids.file())),
    Call("files.retrieve_content", "files", "retrieve_content", lambda ids: args(ids.file())),
    # tests/api_resources/test_vector_stores.py
    Call("vector_stores.create", "vector_stores", "create", lambda ids: args()),
    Call("vector_stores.create_with_all_params", "vector_stores", "create",
         lambda ids: args(chunking_strategy={"type": "auto"}, description="description",
                          expires_after={"anchor": "last_active_at", "days": 1},
                          file_ids=[ids.file()], metadata={"foo": "string"}, name="name")),
    Call("vector_stores.retrieve", "vector_stores", "retrieve", lambda ids: args(ids.store())),
    Call("vector_stores.update", "vector_stores", "update",
         lambda ids: args(vector_store_id=ids.store())),
    Call("vector_stores.update_with_all_params", "vector_stores", "update",
         lambda ids: args(vector_store_id=ids.store(),
                          expires_after={"anchor": "last_active_at", "days": 1},
                          metadata={"foo": "string"}, name="name")),
    Call("vector_stores.list", "vector_stores", "list", lambda ids: args()),
    Call("vector_stores.list_with_all_params", "vector_stores", "list",
         lambda ids: args(after=ids.store(), before=ids.store(), limit=0, order="asc"),
         "limit"),
    Call("vector_stores.delete", "vector_stores", "delete", lambda ids: args(ids.store())),
    Call("vector_stores.search", "vector_stores", "search",
         lambda ids: args(vector_store_id=ids.store_file()[0], query="string")),
    Call("vector_stores.search_with_all_params", "vector_stores", "search",
         lambda ids: args(vector_store_id=ids.store_file()[0], query="string",
                          filters={"key": "key", "type": "eq", "value": "string"},
                          max_num_results=1, ranking_options={"ranker": "none",
                                                              "score_threshold": 0},
                          rewrite_query=True)),
    # tests/api_resources/beta/test_assistants.py
    Call("assistants.create", "beta.assistants", "create", lambda ids: args(model="gpt-6-sol")),
    Call("assistants.create_with_all_params", "beta.assistants", "create",
         lambda ids: args(model="gpt-6-sol", description="description",
                          instructions="instructions", metadata={"foo": "string"}, name="name",
                          reasoning_effort="none", response_format="auto", temperature=1,
                          tool_resources={"code_interpreter": {"file_ids": [ids.file()]},
                                          "file_search": {
                                              "vector_store_ids": [ids.store()],
                                              "vector_stores": [{
                                                  "chunking_strategy": {"type": "auto"},
                                                  "file_ids": [ids.file()],
                                                  "metadata": {"foo": "string"}}]}},
                          tools=[{"type": "code_interpreter"}], top_p=1),
         "tool_resources.file_search.vector_stores"),
    Call("assistants.retrieve", "beta.assistants", "retrieve", lambda ids: args(ids.assistant())),
    Call("assistants.update", "beta.assistants", "update",
         lambda ids: args(assistant_id=ids.assistant())),
    Call("assistants.update_with_all_params", "beta.assistants", "update",
         lambda ids: args(assistant_id=ids.assistant(), description="description",
                          instructions="instructions", metadata={"foo": "string"},
                          model="gpt-6.1-sol", name="name", reasoning_effort="none",
                          response_format="auto", temperature=1,
                          tool_resources={"code_interpreter": {"file_ids": [ids.file()]},
                                          "file_search": {"vector_store_ids": [ids.store()]}},
                          tools=[{"type": "code_interpreter"}], top_p=1)),
    Call("assistants.list", "beta.assistants", "list", lambda ids: args()),
    Call("assistants.list_with_all_params", "beta.assistants", "list",
         lambda ids: args(after=ids.assistant(), before=ids.assistant(), limit=0,
                          order="asc"), "limit"),
    Call("assistants.delete", "beta.assistants", "delete", lambda ids: args(ids.assistant())),
    # tests/api_resources/beta/test_agents.py ("model" stands for a model the account has)
    Call("agents.create", "beta.agents", "create", lambda ids: args(model="gpt-6.1-sol")),
    Call("agents.create_with_all_params", "beta.agents", "create",
         lambda ids: args(model="gpt-6.1-sol", **AGENT_FIELDS)),
    Call("agents.retrieve", "beta.agents", "retrieve", lambda ids: args(ids.agent())),
    Call("agents.update", "beta.agents", "update", lambda ids: args(agent_id=ids.agent())),
    Call("agents.update_with_all_params", "beta.agents", "update",
         lambda ids: args(agent_id=ids.agent(), model="gpt-6.1-sol", **AGENT_FIELDS)),
    Call("agents.list", "beta.agents", "list", lambda ids: args()),
    Call("agents.list_with_all_params", "beta.agents", "list",
         lambda ids: args(after=ids.agent(), limit=1, order="asc")),
    Call("agents.delete", "beta.agents", "delete", lambda ids: args(ids.agent())),
    # tests/api_resources/vector_stores/test_files.py
    Call("files.create", "vector_stores.files", "create",
         lambda ids: args(vector_store_id=ids.store(), file_id=ids.file())),
    Call("files.create_with_all_params", "vector_stores.files", "create",
         lambda ids: args(vector_store_id=ids.store(), file_id=ids.file(),
                          attributes={"foo": "string"}, chunking_strategy={"type": "auto"})),
    Call("files.retrieve", "vector_stores.files", "retrieve", _store_file_args),
    Call("files.update", "vector_stores.files", "update",
         lambda ids: _store_file_args(ids, attributes={"foo": "string"})),
    Call("files.list", "vector_stores.files", "list",
         lambda ids: args(vector_store_id=ids.store_file()[0])),
    Call("files.list_with_all_params", "vector_stores.files", "list",
         lambda ids: args(vector_store_id=ids.store_file()[0], after=ids.file(),
                          before=ids.file(), filter="in_progress", limit=0, order="asc"),
         "limit"),
    Call("files.delete", "vector_stores.files", "delete", _store_file_args),
    Call("files.content", "vector_stores.files", "content", _store_file_args),
    # tests/api_resources/vector_stores/test_file_batches.py
    Call("file_batches.create", "vector_stores.file_batches", "create",
         lambda ids: args(vector_store_id=ids.store()), "file_ids"),
    Call("file_batches.create_with_all_params", "vector_stores.file_batches", "create",
         lambda ids: args(vector_store_id=ids.store(), attributes={"foo": "string"},
                          chunking_strategy={"type": "auto"}, file_ids=[ids.file()],
                          files=[{"file_id": ids.file(), "attributes": {"foo": "string"},
                                  "chunking_strategy": {"type": "auto"}}]), "files"),
    Call("file_batches.retrieve", "vector_stores.file_batches", "retrieve", _batch_args),
    Call("file_batches.cancel", "vector_stores.file_batches", "cancel", _batch_args),
    Call("file_batches.list_files", "vector_stores.file_batches", "list_files", _batch_args),
    Call("file_batches.list_files_with_all_params", "vector_stores.file_batches", "list_files",
         lambda ids: _batch_args(ids, after=ids.file(), before=ids.file(),
                                 filter="in_progress", limit=0, order="asc"), "limit"),
]
AGENT_FIELDS: dict[str, Any] = {
    "compaction": {"async_": True}, "experimental": {"time_awareness": True},
    "instructions": "instructions", "metadata": {"foo": "string"},
    "multi_agent": {"enabled": True, "max_concurrent_subagents": 1}, "name": "name",
    "reasoning": {"effort": "none", "summary": "concise"}, "service_tier": "auto",
    "text": {"format": {"type": "text"}, "verbosity": "low"},
    "tools": [{"description": "description", "name": "name", "parameters": {"foo": "bar"},
               "type": "function", "async": True, "defer_loading": True}],
}


def call_once(client: openai.OpenAI, call: Call, style: str, ids: Ids) -> Any:
    """Make the call in one style, as the generated test of that style does; return what
    parsed."""
    resource = attrgetter(call.resource)(client)
    positional, named = call.arguments(ids)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the Assistants API's notice
        if style == "method":
            return getattr(resource, call.method)(*positional, **named)
        if style == "raw":
            response = getattr(resource.with_raw_response, call.method)(*positional, **named)
            assert response.is_closed is True
            assert response.http_request.headers.get("X-Stainless-Lang") == "python"
            return response.parse()
        with getattr(resource.with_streaming_response, call.method)(*positional,
                                                                     **named) as response:
            assert not response.is_closed
            parsed = response.parse()
        assert response.is_closed is True
        return parsed


@pytest.mark.parametrize("strict", [False, True], ids=["loose", "strict"])
def test_generated_calls(emulator: Emulator, strict: bool) -> None:
    conformance = Conformance()
    client = make_client(emulator.url, conformance, strict=strict)
    streaming = make_client(emulator.url, None, strict=strict)
    ids = Ids(client)
    failures, passed, refused = [], 0, 0
    for call in CALLS:
        for style in STYLES:
            try:
                parsed = call_once(streaming if style == "streaming" else client, call, style,
                                   ids)
            except openai.BadRequestError as error:
                if error.body and error.body.get("param") == call.refused:
                    refused += 1
                    continue
                failures.append(f"{call.name} ({style}): {error}")
                continue
            if call.refused is not None:
                failures.append(f"{call.name} ({style}): accepted; the API refuses it "
                                f"(param {call.refused})")
            elif parsed is None:
                failures.append(f"{call.name} ({style}): nothing parsed")
            else:
                passed += 1
    assert not failures, "\n".join(failures)
    assert (passed, refused) == (len(STYLES) * 43, len(STYLES) * 8)
    assert conformance.problems == [], "answers that do not match the spec"


@pytest.mark.parametrize(("resource", "method", "arguments", "name"), [
    ("models", "retrieve", args(""), "model"),
    ("models", "delete", args(""), "model"),
    ("files", "retrieve", args(""), "file_id"),
    ("vector_stores", "search", args(vector_store_id="", query="q"), "vector_store_id"),
    ("vector_stores.files", "content", args(file_id="", vector_store_id="vs_1"), "file_id"),
    ("vector_stores.file_batches", "cancel", args(batch_id="", vector_store_id="vs_1"),
     "batch_id"),
    ("beta.agents", "update", args(agent_id=""), "agent_id"),
])
def test_generated_path_params(emulator: Emulator, resource: str, method: str,
                               arguments: tuple[tuple[Any, ...], dict[str, Any]],
                               name: str) -> None:
    """The generated `test_path_params_*`: an empty id is refused before any request."""
    conformance = Conformance()
    client = make_client(emulator.url, conformance, strict=True)
    target = attrgetter(resource)(client).with_raw_response
    with pytest.raises(ValueError, match=f"Expected a non-empty value for `{name}`"):
        getattr(target, method)(*arguments[0], **arguments[1])
    assert conformance.checked == 0
