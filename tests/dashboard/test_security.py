"""The guard in front of every page: loopback Host only, the token swapped for a strict
cookie, CSRF on every POST, the security headers, and no inline script or style."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from reconciler.dashboard.app import create_app
from reconciler.dashboard.security import CSP, Guard
from reconciler.dashboard.workspace import Options, Workspace
from tests.dashboard.conftest import PORT, write

TOKEN = "s3cret-token-of-this-run"
PAGES = ("/", "/resources", "/models", "/usage", "/import", "/import/review?id=x",
         "/objects/x", "/resources/Agent/x", "/nowhere")


@pytest.fixture
def options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Options:
    """A project whose API is not there (every page still answers, with the problem)."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-guard-test-0000")
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    write(tmp_path, {"reconciler.yaml": "manifests: [manifests]\n", "manifests/a.yaml": """
        apiVersion: reconciler/v1
        kind: Assistant
        metadata: {name: a}
        spec: {model: gpt-6-luna}
        """})
    return Options(config=tmp_path / "reconciler.yaml", base_url="http://127.0.0.1:9/v1",
                   retry_timeout=0.0)


@pytest.fixture
def anonymous(options: Options) -> Iterator[TestClient]:
    guard = Guard(TOKEN, PORT)
    with TestClient(create_app(options, guard, workspace=Workspace(options)),
                    base_url=f"http://127.0.0.1:{PORT}") as client:
        yield client


def sign_in(client: TestClient) -> None:
    assert client.get(f"/?token={TOKEN}", follow_redirects=False).status_code == 303


def test_nothing_but_static_files_without_the_token(anonymous: TestClient) -> None:
    for path in PAGES:
        answer = anonymous.get(path)
        assert answer.status_code == 403, path
        assert "needs the link" in answer.text
    assert anonymous.get("/static/dashboard.css").status_code == 200
    assert anonymous.get("/?token=wrong").status_code == 403
    assert anonymous.post("/refresh", data={"csrf": "x"}).status_code == 403


def test_the_token_becomes_a_strict_http_only_cookie_and_leaves_the_url(
        anonymous: TestClient) -> None:
    answer = anonymous.get(f"/models?token={TOKEN}&env=", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/models?env="
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"reconciler-ui-{PORT}={TOKEN};")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    for path in PAGES:
        assert anonymous.get(path).status_code in (200, 400, 404), path


def test_another_host_name_gets_nothing(anonymous: TestClient) -> None:
    sign_in(anonymous)
    for host in ("evil.example", f"evil.example:{PORT}", "127.0.0.1:1", "localhost",
                 f"127.0.0.2:{PORT}", ""):
        answer = anonymous.get("/", headers={"host": host})
        assert answer.status_code == 421, host
        assert "answers only at" in answer.text
    assert anonymous.get("/", headers={"host": f"localhost:{PORT}"}).status_code == 200


def test_every_post_needs_the_csrf_token_and_our_origin(anonymous: TestClient) -> None:
    sign_in(anonymous)
    csrf = Guard(TOKEN, PORT).csrf
    page = anonymous.get("/").text
    assert f'name="csrf" value="{csrf}"' in page
    for path in ("/refresh", "/import/write", "/anything"):
        assert anonymous.post(path).status_code == 403, path
        assert anonymous.post(path, data={"csrf": "0" * 64}).status_code == 403, path
    assert anonymous.post("/refresh", data={"csrf": csrf},
                          headers={"origin": "http://evil.example"}).status_code == 403
    good = anonymous.post("/refresh", data={"csrf": csrf, "next": "/models"},
                          headers={"origin": f"http://127.0.0.1:{PORT}"},
                          follow_redirects=False)
    assert good.status_code == 303
    assert anonymous.post("/", data={"csrf": csrf}).status_code == 405
    assert anonymous.put("/", content=b"x").status_code == 405
    assert anonymous.post("/refresh", content=b"csrf=" + b"x" * 300_000).status_code == 413


def test_every_answer_has_the_security_headers_and_no_inline_code(
        anonymous: TestClient) -> None:
    sign_in(anonymous)
    for path in (*PAGES, "/static/dashboard.js"):
        answer = anonymous.get(path)
        assert answer.headers["content-security-policy"] == CSP, path
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "same-origin"
        assert answer.headers["cache-control"] == "no-store"
        if answer.headers["content-type"].startswith("text/html"):
            text = answer.text
            assert not re.search(r"<script(?![^>]*\bsrc=)", text), path  # no inline script
            assert not re.search(r"\sstyle=|<style", text), path
            assert not re.search(r"\son[a-z]+=", text), path
            assert "sk-guard-test-0000" not in text
    assert "'unsafe-inline'" not in CSP and "script-src 'self'" in CSP


def test_the_token_is_random_and_the_csrf_token_is_not_the_token() -> None:
    from reconciler.dashboard.security import new_token

    tokens = {new_token() for _ in range(20)}
    assert len(tokens) == 20 and all(len(t) >= 40 for t in tokens)
    guard = Guard(TOKEN, 4242)
    assert guard.csrf != TOKEN and TOKEN not in guard.csrf
    assert guard.url("/") == f"http://127.0.0.1:4242/?token={TOKEN}"
    assert guard.cookie != Guard(TOKEN, 4243).cookie
