"""`reconciler ui` as a user runs it: it listens on 127.0.0.1, prints a link with its token
that opens the dashboard, and refuses what it cannot serve before it starts."""

from __future__ import annotations

import http.cookiejar
import os
import subprocess
import sys
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

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
        assert parts.hostname == "127.0.0.1" and parts.query.startswith("token=")
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
