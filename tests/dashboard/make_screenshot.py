"""Make docs/dashboard-overview.png: the example project applied on a fresh emulator, a month
of seeded sessions, one assistant changed by hand and one agent made by hand, then the
overview in headless Chromium at 1280x800.

    .venv/bin/python -m tests.dashboard.make_screenshot [OUT.png]
"""

from __future__ import annotations

import shutil
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

import openai
import uvicorn
from click.testing import CliRunner

from openai_emulator.process import spawn
from reconciler import ownership
from reconciler.cli import cli
from reconciler.dashboard.app import create_app
from reconciler.dashboard.security import Guard, new_token
from reconciler.dashboard.workspace import Options, Workspace
from reconciler.localemulator import request_seed
from tests.dashboard.chromium import CHROMIUM

REPO = Path(__file__).resolve().parents[2]
KEY = "emulator"


def main(out: Path) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for name in ("manifests", "schemas"):
            shutil.copytree(REPO / name, root / name)
        shutil.copy(REPO / "reconciler.yaml", root / "reconciler.yaml")
        emulator = spawn(root, "--index-delay", "0")
        try:
            _prepare(root, emulator.url)
            _shoot(root, emulator.url, out)
        finally:
            emulator.stop()
    print(f"wrote {out}")


def _prepare(root: Path, url: str) -> None:
    env = {"OPENAI_BASE_URL": url, "OPENAI_API_KEY": KEY, "NO_COLOR": "1"}
    applied = CliRunner().invoke(cli, ["--config", str(root / "reconciler.yaml"), "apply",
                                       "--auto-approve"], env=env)
    assert applied.exit_code == 0, applied.output
    sdk = openai.OpenAI(base_url=url, api_key=KEY, max_retries=0)
    for assistant in sdk.beta.assistants.list(limit=100):
        if ownership.owner(assistant.metadata) == "sales-analyst":
            sdk.beta.assistants.update(assistant.id, temperature=0.9)
    sdk.beta.agents.create(model="gpt-5.6-terra", name="Pricing experiment")
    request_seed(url, {"days": 30, "per_day": 80, "seed": 11,
                       "now": int(time.time()) - 600})


def _shoot(root: Path, url: str, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    sock = socket.socket(socket.AF_INET)
    sock.bind(("127.0.0.1", 0))
    guard = Guard(new_token(), sock.getsockname()[1])
    options = Options(config=root / "reconciler.yaml", base_url=url)
    server = uvicorn.Server(uvicorn.Config(
        create_app(options, guard, workspace=Workspace(options)), log_level="warning",
        lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=CHROMIUM, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"])
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(guard.url())
            page.screenshot(path=str(out))
            browser.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)


if __name__ == "__main__":
    import os

    os.environ["OPENAI_API_KEY"] = KEY
    os.environ.pop("OPENAI_BASE_URL", None)
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "dashboard-overview.png")
