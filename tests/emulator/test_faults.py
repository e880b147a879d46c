"""Fault injection, observed through the SDK as OpenAI would produce each fault."""

from __future__ import annotations

import time

import openai
import pytest

from tests.emulator.harness import Emulator, sdk_client


def _names(client: openai.OpenAI) -> list[str]:
    return [a.name or "" for a in client.beta.assistants.list(limit=100)]


def test_added_latency(emulator: Emulator, client: openai.OpenAI) -> None:
    emulator.faults(latency_ms=150)
    started = time.monotonic()
    client.models.list()
    assert time.monotonic() - started >= 0.15
    emulator.faults({"fault": "latency", "latency_ms": 200, "path": "/v1/assistants*"})
    started = time.monotonic()
    client.models.list()
    fast = time.monotonic() - started
    started = time.monotonic()
    client.beta.assistants.list()
    assert fast < 0.15 <= 0.2 <= time.monotonic() - started


def test_rate_limit_with_retry_after(emulator: Emulator, client: openai.OpenAI) -> None:
    emulator.faults({"fault": "rate_limit", "retry_after": 0.25, "times": 1})
    with pytest.raises(openai.RateLimitError) as limited:
        client.models.list()
    response = limited.value.response
    assert response.headers["retry-after"] == "0.25"
    assert limited.value.body["code"] == "rate_limit_exceeded"
    emulator.faults({"fault": "rate_limit", "retry_after": 0.25, "times": 1})
    retrying = sdk_client(emulator.url, retries=1)
    started = time.monotonic()
    assert retrying.models.list().data, "the SDK honours Retry-After and then succeeds"
    assert time.monotonic() - started >= 0.25


@pytest.mark.parametrize(("status", "error"), [
    (500, openai.InternalServerError), (502, openai.InternalServerError),
    (503, openai.InternalServerError)])
def test_server_errors(emulator: Emulator, client: openai.OpenAI, status: int,
                       error: type[Exception]) -> None:
    emulator.faults({"fault": "server_error", "status": status})
    with pytest.raises(error) as failed:
        client.models.list()
    assert failed.value.status_code == status  # type: ignore[attr-defined]
    assert failed.value.body["type"] == "server_error"  # type: ignore[attr-defined]


def test_disconnect_is_a_connection_error(emulator: Emulator, client: openai.OpenAI) -> None:
    emulator.faults({"fault": "disconnect", "methods": ["POST"]})
    with pytest.raises(openai.APIConnectionError):
        client.beta.assistants.create(model="gpt-6-luna", name="never")
    emulator.faults()
    assert "never" not in _names(client), "a dropped request writes nothing"


@pytest.mark.parametrize(("then", "error"), [("error", openai.InternalServerError),
                                             ("disconnect", openai.APIConnectionError)])
def test_commit_then_fail_stores_the_write(emulator: Emulator, client: openai.OpenAI,
                                           then: str, error: type[Exception]) -> None:
    name = f"committed-{then}"
    emulator.faults({"fault": "commit_then_fail", "methods": ["POST"],
                     "path": "/v1/assistants", "then": then, "status": 502})
    with pytest.raises(error):
        client.beta.assistants.create(model="gpt-6-luna", name=name)
    emulator.faults()
    assert _names(client).count(name) == 1, "the client failed, yet the object exists"


def test_sdk_blind_retries_duplicate_a_committed_create(emulator: Emulator) -> None:
    """Why the engine must look before it retries: the SDK's own retry creates twice."""
    emulator.faults({"fault": "commit_then_fail", "methods": ["POST"], "path": "/v1/agents",
                     "times": 1})
    retrying = sdk_client(emulator.url, retries=2)
    retrying.beta.agents.create(model="gpt-6.1-sol", name="twice")
    emulator.faults()
    assert [a.name for a in retrying.beta.agents.list(limit=100)].count("twice") == 2


def _pattern(emulator: Emulator, client: openai.OpenAI, count: int = 20) -> list[bool]:
    outcomes = []
    for _ in range(count):
        try:
            client.models.retrieve("gpt-6-luna")
            outcomes.append(True)
        except openai.InternalServerError:
            outcomes.append(False)
    return outcomes


def test_schedules_are_deterministic(emulator: Emulator, client: openai.OpenAI) -> None:
    emulator.faults({"fault": "server_error", "on": [2, 5]})
    assert [i for i, ok in enumerate(_pattern(emulator, client, 6), 1) if not ok] == [2, 5]
    emulator.faults({"fault": "server_error", "every": 3, "times": 2})
    assert [i for i, ok in enumerate(_pattern(emulator, client, 12), 1) if not ok] == [3, 6]
    emulator.faults({"fault": "server_error", "rate": 0.3}, seed=7)
    first = _pattern(emulator, client, 40)
    emulator.faults({"fault": "server_error", "rate": 0.3}, seed=7)
    assert _pattern(emulator, client, 40) == first
    assert 4 <= first.count(False) <= 20
    report = emulator.call("GET", "/faults")["rules"][0]
    assert report["matched"] == 40 and report["fired"] == first.count(False)


def test_rules_match_methods_and_paths(emulator: Emulator, client: openai.OpenAI) -> None:
    emulator.faults({"fault": "server_error", "methods": ["POST", "DELETE"],
                     "path": "/v1/agents*"})
    assert client.beta.agents.list().object == "list"
    with pytest.raises(openai.InternalServerError):
        client.beta.agents.create(model="gpt-6.1-sol")
    assert client.beta.assistants.create(model="gpt-6-luna").id


def test_counters_by_method_and_route(emulator: Emulator, client: openai.OpenAI) -> None:
    emulator.call("DELETE", "/stats")
    created = client.beta.assistants.create(model="gpt-6-luna")
    client.beta.assistants.retrieve(created.id)
    client.beta.assistants.retrieve(created.id)
    client.beta.assistants.list()
    emulator.faults({"fault": "rate_limit", "times": 1})
    with pytest.raises(openai.RateLimitError):
        client.beta.assistants.delete(created.id)
    stats = emulator.stats()
    assert stats["requests"] == {"POST /v1/assistants": 1,
                                 "GET /v1/assistants/{assistant_id}": 2,
                                 "GET /v1/assistants": 1,
                                 "DELETE /v1/assistants/{assistant_id}": 1}
    assert stats["total"] == 5 and stats["faults"] == {"rate_limit": 1}


def test_invalid_fault_plan_is_refused(emulator: Emulator) -> None:
    import urllib.error

    with pytest.raises(urllib.error.HTTPError) as refused:
        emulator.call("PUT", "/faults", {"rules": [{"fault": "explode"}]})
    assert refused.value.code == 400


def test_faults_from_a_file_at_start(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.emulator.harness import start_emulator

    plan = tmp_path / "faults.json"
    plan.write_text('{"rules": [{"fault": "server_error", "status": 503, "on": [1]}]}')
    started = start_emulator(tmp_path, "--faults", str(plan))
    try:
        client = sdk_client(started.url)
        with pytest.raises(openai.InternalServerError):
            client.models.list()
        assert client.models.list().data
    finally:
        started.stop()
