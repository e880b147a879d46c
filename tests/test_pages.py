"""`pages` stops at a page that does not say `has_more: true`, as the old loops did, even on
a compatible server that leaves the field out and ignores `after` (a small local server)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import openai
import pytest

from reconciler.kinds.assistant.provider import AssistantProvider


@pytest.fixture
def server() -> Iterator[tuple[str, list[str]]]:
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server interface
            seen.append(self.path)
            body = json.dumps({"object": "list", "data": [{
                "id": "asst_1", "object": "assistant", "created_at": 1, "model": "gpt-6-luna",
                "tools": [], "metadata": {}}]}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1", seen
    httpd.shutdown()


def test_a_page_without_has_more_is_the_last(server: tuple[str, list[str]]) -> None:
    url, seen = server
    client = openai.OpenAI(base_url=url, api_key="k", max_retries=0)
    assert [o.id for o in AssistantProvider(client).read_all()] == ["asst_1"]
    assert len(seen) == 1
