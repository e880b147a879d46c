"""`reconciler ui` as a user runs it: it listens on a loopback address of its own, prints a
link with its token that opens the dashboard, and refuses what it cannot serve before it
starts."""

from __future__ import annotations

import http.cookiejar
import ipaddress
import os
import subprocess
import sys
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.dashboard.conftest import write

PREFIX = "reconciler ui: serving the dashboard at "


def _run(root: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "OPENAI_API_KEY": "sk-command-test-1234", "NO_COLOR": "1"}
    env.pop("OPENAI_BASE_URL", None)
    return subprocess.Popen(
        [sys.executable, "-m", "reconciler", "--config", str(root / "reconciler.yaml"), "ui",
         "--no-open", "--port", "0", "--base-url", "http://127.0.0.1:9/v1",
         "--retry-timeout", "0", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=root)


def test_it_serves_on_loopback_behind_the_printed_link(tmp_path: Path) -> None:
    write(tmp_path, {"reconciler.yaml": "manifests: [manifests]\n"})
    process = _run(tmp_path)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith(PREFIX), (line, process.stderr and process.stderr.read())
        url = line[len(PREFIX):].strip()
        parts = urlsplit(url)
        assert parts.hostname is not None and parts.query.startswith("token=")
        assert ipaddress.ip_address(parts.hostname).is_loopback
        assert parts.hostname != "127.0.0.1"  # one of its own: other servers get no cookie
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        with opener.open(url, timeout=20) as answer:
            page = answer.read().decode()
            assert answer.status == 200 and answer.geturl() == f"http://{parts.netloc}/"
        assert "<h1>Overview" in page and "127.0.0.1:9" in page  # the problem, on the page
        assert [c.name for c in jar] == [f"reconciler-ui-{parts.port}"]
        try:
            urllib.request.urlopen(f"http://{parts.netloc}/models", timeout=20)
            raise AssertionError("served without the cookie")
        except urllib.error.HTTPError as exc:
            assert exc.code == 403
        for other in ("127.0.0.1", "localhost"):  # another host name: refused (421)
            request = urllib.request.Request(f"http://{parts.netloc}/",
                                             headers={"Host": f"{other}:{parts.port}"})
            try:
                opener.open(request, timeout=20)
                raise AssertionError(f"served for Host {other}")
            except urllib.error.HTTPError as exc:
                assert exc.code == 421
        redirect = f"http://{parts.netloc}//evil.example/{'?' + parts.query}"
        no_follow = urllib.request.build_opener(_NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as answered:
            no_follow.open(redirect, timeout=20)
        assert answered.value.code == 303 and answered.value.headers["location"] == "/"
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_an_unknown_environment_is_refused_before_serving(tmp_path: Path) -> None:
    write(tmp_path, {"reconciler.yaml": "manifests: [manifests]\nenvironments:\n  dev: {}\n"})
    process = _run(tmp_path, "--env", "prod")
    _, err = process.communicate(timeout=60)
    assert process.returncode == 1
    assert "error: no environment 'prod' in reconciler.yaml: dev" in err


def test_an_environment_where_none_is_declared_is_refused(tmp_path: Path) -> None:
    write(tmp_path, {"reconciler.yaml": "manifests: [manifests]\n"})
    process = _run(tmp_path, "--env", "prod")
    _, err = process.communicate(timeout=60)
    assert process.returncode == 1 and "declares no environments" in err


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def test_a_privileged_port_is_refused(tmp_path: Path) -> None:
    write(tmp_path, {"reconciler.yaml": "manifests: [manifests]\n"})
    process = _run(tmp_path, "--port", "80")
    _, err = process.communicate(timeout=60)
    assert process.returncode == 1 and "80 is a privileged port" in err
