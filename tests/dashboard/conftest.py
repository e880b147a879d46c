"""Fixtures of the dashboard's tests: one emulator and one project per module, a TestClient
that holds the dashboard's cookie, a real server for the browser, and the browser itself.

The browser tests run in the system's Chromium (Debian's `chromium`, driven by Playwright;
nothing is downloaded). Without it they are skipped with a reason that says how to run them,
and the run's summary says so too.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
import textwrap
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openai
import pytest
from click.testing import CliRunner, Result
from starlette.testclient import TestClient

from openai_emulator.process import EmulatorProcess, spawn
from reconciler import ownership
from reconciler.cli import cli
from reconciler.dashboard.app import create_app
from reconciler.dashboard.security import Guard
from reconciler.dashboard.workspace import Options, Workspace
from tests.dashboard.chromium import CHROMIUM, browser_missing

API_KEY = "sk-dashboard-SECRET-7731"
PORT = 8000
"""The port TestClient's requests name in their Host header."""
HOSTILE = '<script>alert("pwned")</script>'


class BrowserTestsSkipped(pytest.PytestWarning):
    """The browser tests did not run (the warnings summary shows it, in parallel runs too)."""


SHUTDOWN = dt.date.today() + dt.timedelta(days=100)
"""When the retiring model of these tests shuts down, as the API says and the catalog too."""


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    folder = tmp_path_factory.mktemp("emulator")
    models = [{"id": "gpt-6-luna", "object": "model", "created": 1, "owned_by": "system"},
              {"id": "gpt-6.1-sol", "object": "model", "created": 1, "owned_by": "system"},
              {"id": "gpt-legacy", "object": "model", "created": 1, "owned_by": "system",
               "shutdown_date": SHUTDOWN.isoformat()}]
    (folder / "models.json").write_text(json.dumps(models))
    running = spawn(folder, "--index-delay", "0", "--models", str(folder / "models.json"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def key_in_environment() -> Iterator[None]:
    """The key (and nothing else) in the environment, as a user running `reconciler ui`."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OPENAI_API_KEY", API_KEY)
        for name in ("OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID", "RECONCILER_ENV",
                     "RECONCILER_SCOPE", "RECONCILER_MAX_DELETE_PERCENT"):
            patch.delenv(name, raising=False)
        yield


@dataclass
class Site:
    """A project applied to the emulator, and what was done to the live account by hand."""

    root: Path
    emulator: EmulatorProcess
    ids: dict[str, str] = field(default_factory=dict)

    @property
    def config(self) -> Path:
        return self.root / "reconciler.yaml"

    @property
    def sdk(self) -> openai.OpenAI:
        return openai.OpenAI(base_url=self.emulator.url, api_key=API_KEY, max_retries=0)

    def run(self, *args: str, config: Path | None = None) -> Result:
        env = {"OPENAI_BASE_URL": self.emulator.url, "OPENAI_API_KEY": API_KEY,
               "NO_COLOR": "1", "XDG_CACHE_HOME": str(self.root / ".cache")}
        return CliRunner().invoke(cli, ["--config", str(config or self.config), *args],
                                  env=env, catch_exceptions=False)

    def options(self, **changes: Any) -> Options:
        return Options(**{"config": self.config, "base_url": self.emulator.url,
                          "retry_timeout": 0.0, **changes})

    def client(self, **changes: Any) -> TestClient:
        return signed_in(self.options(**changes))


def signed_in(options: Options, *, token: str = "t0ken-for-tests") -> TestClient:
    """A TestClient of a fresh dashboard that followed the printed link (cookie set)."""
    guard = Guard(token, PORT)
    client = TestClient(create_app(options, guard, workspace=Workspace(options)),
                        base_url=f"http://127.0.0.1:{PORT}")
    assert client.get(f"/?token={token}", follow_redirects=False).status_code == 303
    return client


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def catalog(shutdown: dt.date) -> str:
    return f"""
        apiVersion: reconciler/v1
        kind: ModelCatalog
        metadata: {{name: models}}
        spec:
          models:
            - id: gpt-6-luna
              capabilities: [tools, vision]
              context_window: 128000
              pricing: {{input_per_1m_tokens: 2.5, output_per_1m_tokens: 10.0}}
            - id: gpt-6.1-sol
              name: GPT-5
              capabilities: [tools, reasoning]
              context_window: 400000
              pricing: {{input_per_1m_tokens: 1.25, output_per_1m_tokens: 10.0}}
            - id: gpt-legacy
              capabilities: [tools]
              deprecation: {{shutdown_on: {shutdown.isoformat()}, replacement: gpt-6-luna}}
        """


MANIFESTS = {
    "manifests/assistants.yaml": """
        apiVersion: reconciler/v1
        kind: Assistant
        metadata: {name: helper}
        spec: {model: gpt-6-luna, name: Helper}
        ---
        apiVersion: reconciler/v1
        kind: Assistant
        metadata: {name: drifting}
        spec:
          model: gpt-legacy
          name: Drifting
          instructions: |
            Answer in English.
            Be brief.
        """,
    "manifests/agents.yaml": """
        apiVersion: reconciler/v1
        kind: Agent
        metadata: {name: writer}
        spec: {model: gpt-6.1-sol, name: Writer, instructions: Write well.}
        ---
        apiVersion: reconciler/v1
        kind: Agent
        metadata: {name: idle}
        spec: {model: gpt-6.1-sol}
        """,
}
LATER = {
    "manifests/later.yaml": """
        apiVersion: reconciler/v1
        kind: Agent
        metadata: {name: fresh}
        spec: {model: gpt-6.1-sol}
        """,
}


@pytest.fixture(scope="module")
def site(emulator: EmulatorProcess, tmp_path_factory: pytest.TempPathFactory,
         key_in_environment: None) -> Site:
    """Applied manifests, then by hand: one drifted assistant, a hostile unmanaged one, an
    unmanaged agent, a manifest not applied yet, and five days of the writer's sessions."""
    from reconciler.localemulator import request_seed

    root = tmp_path_factory.mktemp("project")
    write(root, {"reconciler.yaml": "manifests: [manifests]\n", **MANIFESTS,
                 "manifests/catalog.yaml": catalog(SHUTDOWN)})
    applied = Site(root, emulator).run("apply", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    found = Site(root, emulator)
    sdk = found.sdk
    for kind, listing in (("Assistant", sdk.beta.assistants.list(limit=100)),
                          ("Agent", sdk.beta.agents.list(limit=100))):
        for obj in listing:
            found.ids[f"{kind}/{ownership.owner(obj.metadata)}"] = obj.id
    sdk.beta.assistants.update(found.ids["Assistant/drifting"], temperature=0.2,
                               instructions="Answer in French.\nBe brief.\n")
    found.ids["hostile"] = sdk.beta.assistants.create(
        model="gpt-6-luna", name=HOSTILE, instructions="</pre><img src=x onerror=alert(1)>").id
    found.ids["by-hand"] = sdk.beta.agents.create(model="gpt-6.1-sol", name="By hand").id
    write(root, LATER)
    request_seed(emulator.url, {"agent_ids": [found.ids["Agent/writer"]], "days": 5,
                                "per_day": 20, "seed": 3,
                                "now": int(time.time()) - 3600})
    return found


# --- a real server and a browser, for the browser tests ----------------------------------


@dataclass
class Served:
    """A dashboard served by uvicorn in a thread of the test process."""

    url: str
    token: str
    workspace: Workspace


@pytest.fixture(scope="module")
def served(site: Site) -> Iterator[Served]:
    import uvicorn

    sock = socket.socket(socket.AF_INET)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    guard = Guard("browser-token-" + str(port), port)
    options = site.options(retry_timeout=5.0)
    workspace = Workspace(options)
    server = uvicorn.Server(uvicorn.Config(create_app(options, guard, workspace=workspace),
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield Served(f"http://127.0.0.1:{port}", guard.token, workspace)
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    reason = browser_missing()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run",
            "--disable-default-apps"])
        yield chromium
        chromium.close()


SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
