"""A failed connection names the host and the cause; a base URL without /v1 gets a hint.

Real failures only: a port where nothing listens, a listening socket that never answers, a
name under `.invalid` (which never resolves), and the emulator asked for paths outside /v1.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import openai
import pytest

from openai_emulator.process import EmulatorProcess
from reconciler.errors import ReconcilerError
from reconciler.exitcodes import ExitCode
from reconciler.neterrors import explain, missing_v1_hint
from tests.engine.conftest import Project


def _failure(url: str, timeout: float = 5.0) -> openai.OpenAIError:
    client = openai.OpenAI(base_url=url, api_key="k", max_retries=0, timeout=timeout)
    with pytest.raises(openai.OpenAIError) as raised:
        client.models.list()
    return raised.value


def _explained(exc: openai.OpenAIError) -> ReconcilerError:
    return explain(ReconcilerError(f"connection failed: {exc}"), exc)


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A socket that accepts connections (the kernel's backlog) and never answers."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(4)
        yield server.getsockname()[1]


def test_refused_names_host_port_and_cause(closed_port: int) -> None:
    error = _explained(_failure(f"http://127.0.0.1:{closed_port}/v1"))
    assert error.message == f"connection failed: 127.0.0.1:{closed_port}: connection refused"
    assert str(error) == error.message
    assert error.hint is not None and "reconciler emulator start" in error.hint


def test_unknown_host_names_the_resolver_s_answer() -> None:
    error = _explained(_failure("https://nosuchhost.invalid/v1"))
    assert error.message.startswith("connection failed: nosuchhost.invalid:443: host name "
                                    "not known ("), error.message
    assert error.hint is None


def test_timeout_says_so(silent_server: int) -> None:
    error = _explained(_failure(f"http://127.0.0.1:{silent_server}/v1", timeout=0.3))
    assert error.message == (f"connection failed: 127.0.0.1:{silent_server}: timed out "
                             "waiting for the answer")


def test_a_base_url_without_v1_gets_a_hint(emulator: EmulatorProcess) -> None:
    without = emulator.url.removesuffix("/v1")
    exc = _failure(without)
    error = explain(ReconcilerError("404: Invalid URL (GET /models)"), exc)
    assert error.hint is not None and "probably lacks its /v1 path" in error.hint
    assert "/models" in error.hint
    found = _failure(emulator.url + "/no-such-thing")
    assert explain(ReconcilerError("404"), found).hint is None, "a 404 under /v1 is not it"


@pytest.mark.parametrize(("path", "hinted"), [
    ("/files", True), ("/api/models", True), ("/v1/files", False), ("/openai/v1/models", False),
])
def test_missing_v1_hint(path: str, hinted: bool) -> None:
    assert (missing_v1_hint(path) is not None) is hinted


def test_cli_plan_names_the_refused_host(project: Project, closed_port: int) -> None:
    _manifests(project)
    result = project.run("plan", "--base-url", f"http://127.0.0.1:{closed_port}/v1")
    assert result.exit_code == ExitCode.ERROR
    assert f"error: connection failed: 127.0.0.1:{closed_port}: connection refused" in (
        result.stderr)
    assert "Traceback" not in result.output


def test_cli_plan_hints_at_v1(project: Project) -> None:
    _manifests(project)
    result = project.run("plan", "--base-url", project.emulator.url.removesuffix("/v1"))
    assert result.exit_code == ExitCode.ERROR
    assert "the base URL probably lacks its /v1 path" in result.stderr, result.stderr
    assert "Traceback" not in result.output


def _manifests(project: Project) -> None:
    project.write({"a.yaml": """
        apiVersion: reconciler/v1
        kind: Assistant
        metadata: {name: a}
        spec: {model: gpt-6.1-terra}
    """})
