"""The emulator is safe to leave running: its admin API is protected, bodies are bounded while
they stream, values JSON forbids are refused at input, malformed bodies answer 400, and
paging a filtered list never breaks."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import openai
import pytest

from tests.emulator.harness import Emulator, sdk_client, start_emulator

KEY = "sk-emulator-admin-key"
BETA = {"assistants": "assistants=v2", "agents": "agents=v1"}


def send(emulator: Emulator, method: str, path: str, body: Any = b"", *,
         headers: dict[str, str] | None = None) -> tuple[int, Any]:
    """One raw request (a body given as an iterator is sent chunked); the status and JSON."""
    parts = urlsplit(emulator.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers or {},
                           encode_chunked=not isinstance(body, bytes))
        answer = connection.getresponse()
        return answer.status, json.loads(answer.read() or b"null")
    finally:
        connection.close()


def api(path: str, *, key: str = "k", content_type: str = "application/json"
        ) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {key}", "Content-Type": content_type}
    for prefix, value in BETA.items():
        if path.startswith(f"/v1/{prefix}"):
            headers["OpenAI-Beta"] = value
    return headers


def rss(emulator: Emulator) -> int:
    """The emulator process's resident memory, in bytes."""
    for line in Path(f"/proc/{emulator.process.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


# -- the admin API ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def keyed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    running = start_emulator(tmp_path_factory.mktemp("keyed"), "--api-key", KEY)
    yield running
    running.stop()


def test_admin_needs_the_key_when_one_is_set(keyed: Emulator) -> None:
    made = sdk_client(keyed.url, api_key=KEY).beta.assistants.create(model="gpt-6-luna")
    for headers in ({"Content-Type": "application/json"},
                    {"Content-Type": "application/json", "Authorization": "Bearer wrong"}):
        for method, path in (("POST", "/admin/reset"), ("PUT", "/admin/faults"),
                             ("DELETE", "/admin/stats"), ("GET", "/admin/stats")):
            status, body = send(keyed, method, path, b"{}", headers=headers)
            assert status == 401 and body["error"]["code"] == "invalid_api_key"
    assert sdk_client(keyed.url, api_key=KEY).beta.assistants.retrieve(made.id).id == made.id
    assert send(keyed, "GET", "/admin/health")[0] == 200
    keyed.reset()  # EmulatorProcess sends the key it was started with
    with pytest.raises(openai.NotFoundError):
        sdk_client(keyed.url, api_key=KEY).beta.assistants.retrieve(made.id)


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", "text/plain", ""])
def test_admin_writes_must_be_json(keyed: Emulator, emulator: Emulator,
                                   content_type: str) -> None:
    """A web page can send these across origins without asking: a form post must not wipe
    or fault the emulator, with or without a key."""
    for running, key in ((keyed, KEY), (emulator, "k")):
        sdk_client(running.url, api_key=key).beta.assistants.create(model="gpt-6-luna")
        headers = {"Authorization": f"Bearer {key}", "Content-Type": content_type}
        for method, path in (("POST", "/admin/reset"), ("PUT", "/admin/faults"),
                             ("DELETE", "/admin/faults")):
            status, body = send(running, method, path, b'{"rules": []}', headers=headers)
            assert status == 415 and body["error"]["code"] == "unsupported_media_type"
        listed = sdk_client(running.url, api_key=key).beta.assistants.list()
        assert listed.data, "nothing was wiped"


# -- values JSON or the API forbids -----------------------------------------------------

BAD_VALUES = [b"NaN", b"Infinity", b"-Infinity", b"1e400", b'"\\ud800"', b'"a\\udfffb"',
              b'"\xed\xa0\x80"',  # a surrogate encoded as if UTF-8: json.loads(bytes) takes it
              b'"\xff"']


@pytest.mark.parametrize("value", BAD_VALUES, ids=lambda v: v.decode(errors="backslashreplace"))
def test_values_json_forbids_are_refused_and_lists_keep_working(
        emulator: Emulator, client: openai.OpenAI, value: bytes) -> None:
    store = client.vector_stores.create(name="s")
    upload = client.files.create(file=("a.md", b"# a\n"), purpose="assistants")
    other = client.files.create(file=("b.md", b"# b\n"), purpose="assistants")
    client.vector_stores.files.create(store.id, file_id=other.id)
    made = client.beta.assistants.create(model="gpt-6-luna")
    agent = client.beta.agents.create(name="a", model="gpt-6-luna")
    attempts = [
        ("POST", "/v1/assistants", b'{"model": "gpt-6-luna", "metadata": {"k": %s}}'),
        ("POST", "/v1/assistants", b'{"model": "gpt-6-luna", "temperature": %s}'),
        ("POST", f"/v1/assistants/{made.id}", b'{"description": %s}'),
        ("POST", "/v1/agents", b'{"name": %s, "model": "gpt-6-luna"}'),
        ("POST", f"/v1/agents/{agent.id}", b'{"instructions": %s}'),
        ("POST", "/v1/vector_stores", b'{"name": %s}'),
        ("POST", f"/v1/vector_stores/{store.id}", b'{"name": %s}'),
        ("POST", f"/v1/vector_stores/{store.id}/files",
         b'{"file_id": "' + upload.id.encode() + b'", "attributes": {"k": %s}}'),
        ("POST", f"/v1/vector_stores/{store.id}/files/{other.id}", b'{"attributes": {"k": %s}}'),
    ]
    for method, path, template in attempts:
        status, body = send(emulator, method, path, template % value, headers=api(path))
        assert status == 400, (path, body)
        assert body["error"]["type"] == "invalid_request_error"
    for listed in (client.beta.assistants.list(), client.beta.agents.list(),
                   client.vector_stores.list(), client.files.list(),
                   client.vector_stores.files.list(store.id)):
        assert listed.object == "list"


def test_an_upload_named_with_invalid_utf8_lists_fine(emulator: Emulator,
                                                      client: openai.OpenAI) -> None:
    boundary = "b0undary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n"
            f"assistants\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            "filename=\"").encode() + b"bad\xed\xa0\x80\xff.md" + (
        f"\"\r\nContent-Type: text/markdown\r\n\r\n# x\n\r\n--{boundary}--\r\n").encode()
    headers = api("/v1/files", content_type=f"multipart/form-data; boundary={boundary}")
    status, stored = send(emulator, "POST", "/v1/files", body, headers=headers)
    assert status in (200, 400), stored
    assert client.files.list().object == "list"
    if status == 200:
        assert client.files.retrieve(stored["id"]).filename == stored["filename"]


@pytest.mark.parametrize(("charset", "name"), [("utf-7", b"+2AA-.md"),
                                               ("unicode_escape", b"\\ud800.md")])
def test_an_upload_whose_charset_makes_a_lone_surrogate_is_refused(
        emulator: Emulator, client: openai.OpenAI, charset: str, name: bytes) -> None:
    """The body's `charset` decodes the filename: some charsets can decode to a surrogate."""
    body = (b'--xyz\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nassistants\r\n'
            b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="' + name
            + b'"\r\n\r\n# x\n\r\n--xyz--\r\n')
    content_type = f"multipart/form-data; boundary=xyz; charset={charset}"
    status, answer = send(emulator, "POST", "/v1/files", body,
                          headers=api("/v1/files", content_type=content_type))
    assert status == 400 and answer["error"]["param"] == "file", answer
    assert client.files.list().object == "list"


# -- bodies are bounded while they stream -----------------------------------------------


def _chunks(total: int, size: int = 1024 * 1024) -> Iterator[bytes]:
    yield b'{"model": "gpt-6-luna", "instructions": "'
    for _ in range(total // size):
        yield b"x" * size
    yield b'"}'


def test_a_300_mb_body_is_refused_without_being_read_whole(emulator: Emulator) -> None:
    before = rss(emulator)
    try:
        status, body = send(emulator, "POST", "/v1/assistants", _chunks(300 * 1024 * 1024),
                            headers=api("/v1/assistants"))
        assert status == 413 and body["error"]["code"] == "request_too_large"
    except (BrokenPipeError, ConnectionResetError):
        pass  # refused past what it drains: the connection was closed while we sent
    assert rss(emulator) - before < 100 * 1024 * 1024
    assert send(emulator, "GET", "/admin/health")[0] == 200


def test_a_declared_oversized_body_gets_413_at_once(emulator: Emulator) -> None:
    over = json.dumps({"model": "gpt-6-luna", "instructions": "x" * (11 * 1024 * 1024)}).encode()
    status, body = send(emulator, "POST", "/v1/assistants", over, headers=api("/v1/assistants"))
    assert status == 413 and body["error"]["code"] == "request_too_large"


def test_an_upload_over_the_limit_is_refused_while_it_streams(emulator: Emulator) -> None:
    boundary = "b0undary"  # the fixture's emulator takes uploads of at most 200,000 bytes

    def parts() -> Iterator[bytes]:
        yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n"
               f"assistants\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
               "filename=\"big.md\"\r\n\r\n").encode()
        for _ in range(50):
            yield b"y" * 65536
        yield f"\r\n--{boundary}--\r\n".encode()

    headers = api("/v1/files", content_type=f"multipart/form-data; boundary={boundary}")
    status, body = send(emulator, "POST", "/v1/files", parts(), headers=headers)
    assert status == 413 and body["error"]["code"] == "request_too_large"


# -- malformed bodies answer 400 ---------------------------------------------------------

MULTIPART = [
    ("multipart/form-data; boundary=xyz", b"this is not multipart at all"),
    ("multipart/form-data", b"--xyz\r\n\r\n"),
    ("multipart/form-data; boundary=xyz",
     b"--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.md\"\r\n\r\nabc"),
    ("multipart/form-data; boundary=xyz",
     b"--xyz\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nassistants\r\n"
     b"--xyz--\r\n"),
    ("application/json", b'{"purpose": "assistants"}'),
]


@pytest.mark.parametrize(("content_type", "body"), MULTIPART)
def test_malformed_uploads_answer_400(emulator: Emulator, content_type: str,
                                      body: bytes) -> None:
    status, answer = send(emulator, "POST", "/v1/files", body,
                          headers=api("/v1/files", content_type=content_type))
    assert status == 400, answer
    assert set(answer["error"]) == {"message", "type", "param", "code"}


@pytest.mark.parametrize("body", [b"[" * 100_000, b"[" * 101 + b"]" * 101,
                                  b'{"model": "gpt-6-luna", "metadata": '
                                  + b"[" * 1000 + b"]" * 1000 + b"}"])
def test_deeply_nested_json_answers_400(emulator: Emulator, body: bytes) -> None:
    status, answer = send(emulator, "POST", "/v1/assistants", body,
                          headers=api("/v1/assistants"))
    assert status == 400 and answer["error"]["type"] == "invalid_request_error"


def test_a_tool_schema_nested_30_levels_is_accepted(client: openai.OpenAI) -> None:
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(14):  # two levels each: 30 with the tool around it
        schema = {"type": "object", "properties": {"x": schema}}
    made = client.beta.assistants.create(model="gpt-6-luna", tools=[{
        "type": "function", "function": {"name": "deep", "parameters": schema}}])
    assert made.tools[0].function.parameters == schema  # type: ignore[union-attr]


# -- paging a filtered list --------------------------------------------------------------


def test_a_cursor_outside_the_filter_pages_on(client: openai.OpenAI) -> None:
    store = client.vector_stores.create(name="mixed")
    names = ["a.md", "b.exe", "c.md", "d.exe", "e.md", "f.exe"]
    ids = [client.files.create(file=(n, b"# x\n"), purpose="assistants").id for n in names]
    for file_id in ids:
        client.vector_stores.files.create(store.id, file_id=file_id)
    deadline = time.monotonic() + 10
    while client.vector_stores.retrieve(store.id).file_counts.in_progress and (
            time.monotonic() < deadline):
        time.sleep(0.1)
    failed = client.vector_stores.files.list(store.id, filter="failed", order="asc",
                                             after=ids[0])  # a.md: completed, not failed
    assert [f.id for f in failed] == [ids[1], ids[3], ids[5]]
    after_c = client.vector_stores.files.list(store.id, filter="failed", order="asc",
                                              after=ids[2], limit=1)
    assert [f.id for f in after_c.data] == [ids[3]] and after_c.has_more
    paged = client.vector_stores.files.list(store.id, filter="completed", order="asc", limit=1)
    assert [f.id for f in paged] == [ids[0], ids[2], ids[4]]  # the SDK's auto-pagination


def test_a_batch_with_both_file_ids_and_files_is_refused(client: openai.OpenAI) -> None:
    store = client.vector_stores.create(name="batch")
    one, two = (client.files.create(file=(n, b"# x\n"), purpose="assistants").id
                for n in ("one.md", "two.md"))
    with pytest.raises(openai.BadRequestError) as refused:
        client.vector_stores.file_batches.create(store.id, file_ids=[one],
                                                 files=[{"file_id": two}])
    assert refused.value.param == "files"
    assert "mutually exclusive" in refused.value.message
    assert client.vector_stores.files.list(store.id).data == [], "nothing attached"


# -- starting it with bad input ----------------------------------------------------------


@pytest.mark.parametrize(("option", "name", "content", "says"), [
    ("--db", "state.sqlite", bytes(range(256)) * 16, "cannot use"),
    ("--db", "notes.txt", b"just some notes\n" * 100, "cannot use"),
    ("--faults", "faults.json", b'{"rules": [{"fault": "nope"}]}', "is not a valid fault plan"),
    ("--faults", "faults.json", b"{oops", "cannot read"),
    ("--faults", "faults.json", b'{"rules": [{"fault": "rate_limit", "retry_after": NaN}]}',
     "cannot read"),
    ("--faults", "faults.json", b'{"rules": [{"fault": "rate_limit", "retry_after": "inf"}]}',
     "is not a valid fault plan"),
    ("--models", "models.json", b'{"id": "gpt-6-luna"}', "is not a list of models"),
    ("--models", "models.json", b'[{"id": "\\ud800"}]', "cannot read"),
])
def test_serve_with_bad_files_is_one_clear_error(tmp_path: Path, option: str, name: str,
                                                 content: bytes, says: str) -> None:
    (tmp_path / name).write_bytes(content)
    db = str(tmp_path / (name if option == "--db" else "ok.sqlite"))
    given = [] if option == "--db" else [option, str(tmp_path / name)]
    result = subprocess.run([sys.executable, "-m", "reconciler", "emulator", "serve",
                             "--port", "0", "--db", db, *given], capture_output=True,
                            text=True, timeout=30)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and says in result.stderr
    assert name in result.stderr
    assert not (tmp_path / f"{name}.files").exists(), "nothing made beside a refused file"


def test_numbers_out_of_float_range_are_refused(emulator: Emulator,
                                                client: openai.OpenAI) -> None:
    body = b'{"model": "gpt-6-luna", "temperature": 1e400}'
    status, answer = send(emulator, "POST", "/v1/assistants", body, headers=api("/v1/assistants"))
    assert status == 400, answer
    assert client.beta.assistants.list().object == "list"


@pytest.mark.parametrize("body", [
    b'{"rules": [{"fault": "rate_limit", "retry_after": 1e400}]}',
    b'{"rules": [{"fault": "rate_limit", "retry_after": Infinity}]}',
    b'{"rules": [{"fault": "rate_limit", "retry_after": "Infinity"}]}',
    b'{"rules": [{"fault": "server_error", "path": "/v1/\\ud800"}]}',
    b"[" * 200_000,
])
def test_the_admin_api_refuses_what_the_api_refuses(emulator: Emulator, body: bytes) -> None:
    status, answer = send(emulator, "PUT", "/admin/faults", body, headers=api("/admin/faults"))
    assert status == 400, answer
    assert send(emulator, "GET", "/admin/faults")[0] == 200
    assert send(emulator, "GET", "/v1/models", headers=api("/v1/models"))[0] == 200


def test_the_admin_api_bounds_bodies_while_they_stream(emulator: Emulator) -> None:
    before = rss(emulator)
    try:
        status, _ = send(emulator, "PUT", "/admin/faults", _chunks(300 * 1024 * 1024),
                         headers=api("/admin/faults"))
        assert status == 413
    except (BrokenPipeError, ConnectionResetError):
        pass
    assert rss(emulator) - before < 100 * 1024 * 1024


def test_a_foreign_host_name_is_refused(emulator: Emulator) -> None:
    """DNS rebinding: a page at attacker.example whose name now resolves to 127.0.0.1 sends
    same-origin requests, with its own name as Host."""
    for method, path in (("DELETE", "/admin/stats"), ("GET", "/v1/models")):
        headers = {**api(path), "Host": "attacker.example:8765",
                   "Origin": "http://attacker.example:8765"}
        status, answer = send(emulator, method, path, b"", headers=headers)
        assert status == 403 and answer["error"]["code"] == "forbidden_host"
    for host in ("localhost:1", "127.0.0.1", "[::1]:80"):
        headers = {**api("/v1/models"), "Host": host}
        assert send(emulator, "GET", "/v1/models", b"", headers=headers)[0] == 200


def test_a_search_is_bounded_and_never_stalls_the_others(emulator: Emulator) -> None:
    """100,000 filters or a 9 MB query are refused at once, without echoing the query; a
    search never keeps the event loop from answering other requests."""
    import threading

    client = sdk_client(emulator.url)
    store = client.vector_stores.create(name="bounded")
    leaf = {"type": "eq", "key": "k", "value": "v"}
    too_many = {"type": "or", "filters": [leaf] * 100_000}
    deep: dict[str, Any] = leaf
    for _ in range(20):
        deep = {"type": "and", "filters": [deep]}
    path = f"/v1/vector_stores/{store.id}/search"
    cases = [({"query": "x", "filters": too_many}, "filters", "at most 100 filters in all"),
             ({"query": "x", "filters": deep}, "filters", "nested more than 8 deep"),
             ({"query": "q" * 9_000_000}, "query", "at most 4096 characters"),
             ({"query": ["a"] * 11}, "query", "at most 10 queries"),
             ({"query": "x", "filters": {"type": "or", "filters": [
                 {"type": "and", "filters": []}] * 30_000}}, "filters",
              "at most 100 filters in all")]
    for body, param, says in cases:
        started = time.monotonic()
        status, answer = send(emulator, "POST", path, json.dumps(body).encode(), headers={
            "Authorization": "Bearer k", "Content-Type": "application/json"})
        assert status == 400 and answer["error"]["param"] == param, answer
        assert says in answer["error"]["message"] and len(json.dumps(answer)) < 500
        assert time.monotonic() - started < 5
    seen: list[float] = []

    def ping() -> None:
        started = time.monotonic()
        client.models.list()
        seen.append(time.monotonic() - started)

    pinger = threading.Thread(target=ping)
    pinger.start()
    client.vector_stores.search(store.id, query="ordinary")
    pinger.join(10)
    assert seen and seen[0] < 5
