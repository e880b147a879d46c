"""Fixtures: an emulator per module, and a project folder whose CLI runs talk to it."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openai
import pytest
from click.testing import CliRunner, Result

from openai_emulator.process import EmulatorProcess, spawn
from reconciler import kinds, ownership
from reconciler.cli import cli

API_KEY = "sk-test-SECRET-4242"
LOCK_WRITES = 3
"""Writes of an apply's lock: create, mark held, delete (and a renewal every 40 s)."""


def list_requests(counts: dict[str, int]) -> dict[str, int]:
    """The requests a plan reads the live state with, `counts[kind]` objects of each kind
    (none of the others), as every kind's `listing` declares them, and the models."""
    expected = {f"GET {spec.listing.path}": spec.listing.requests(counts.get(spec.kind, 0))
                for spec in kinds.LIVE if spec.listing is not None}
    return {**expected, "GET /v1/models": 1}


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    running = spawn(tmp_path_factory.mktemp("emulator"), "--index-delay", "0")
    yield running
    running.stop()


@dataclass
class Project:
    """A manifest folder, the CLI pointed at the emulator, and an SDK client to look."""

    root: Path
    emulator: EmulatorProcess

    @property
    def env(self) -> dict[str, str]:
        return {"OPENAI_BASE_URL": self.emulator.url, "OPENAI_API_KEY": API_KEY,
                "NO_COLOR": "1", "XDG_CACHE_HOME": str(self.root / ".cache")}

    def write(self, files: dict[str, str]) -> None:
        for name, text in files.items():
            target = self.root / "manifests" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")

    def remove(self, name: str) -> None:
        (self.root / "manifests" / name).unlink()

    def run(self, *args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(cli, list(args), env=self.env, input=input,
                                  catch_exceptions=False)

    def run_env(self, env: dict[str, str], *args: str) -> Result:
        """Run with these environment variables on top of the project's."""
        return CliRunner().invoke(cli, list(args), env={**self.env, **env},
                                  catch_exceptions=False)

    @property
    def client(self) -> openai.OpenAI:
        return openai.OpenAI(base_url=self.emulator.url, api_key=API_KEY, max_retries=0)

    def live(self, kind: str) -> list[dict[str, Any]]:
        """Every live object of `kind`, as the server sent it, read by the kind's provider."""
        provider = kinds.get(kind).hook("provider")(self.client)
        return [obj.raw for obj in provider.read_all()]

    def managed(self, kind: str) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for obj in self.live(kind):
            name = ownership.owner(obj.get("metadata"))
            if name is not None:
                assert name not in found, f"two live objects claim {kind}/{name}"
                found[name] = obj
        return found

    def writes(self) -> int:
        stats = self.emulator.stats()["requests"]
        return sum(n for label, n in stats.items() if not label.startswith("GET"))

    def requests(self) -> dict[str, int]:
        result: dict[str, int] = self.emulator.stats()["requests"]
        return result

    def clear_stats(self) -> None:
        self.emulator.call("DELETE", "/stats")


@pytest.fixture
def project(emulator: EmulatorProcess, tmp_path: Path,
            monkeypatch: pytest.MonkeyPatch) -> Project:
    emulator.reset()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "reconciler.yaml").write_text("manifests: [manifests]\n")
    return Project(tmp_path, emulator)
