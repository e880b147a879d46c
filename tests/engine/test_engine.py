"""The apply workflow called as a library: one entry point, a typed result, nothing printed
and no exit; what a person would see goes through the view it is given."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from reconciler import engine
from reconciler.connection import Connection
from reconciler.errors import ReconcilerError
from reconciler.exitcodes import ExitCode
from reconciler.settings import load_settings
from tests.engine.conftest import API_KEY, Project

AGENT = """
apiVersion: reconciler/v1
kind: Agent
metadata: {name: helper}
spec: {model: gpt-6.1-sol, instructions: Help.}
"""


class Recorder:
    """An ApplyView that remembers what it was shown and answers as told."""

    def __init__(self, answer: bool = True) -> None:
        self.answer = answer
        self.seen: list[str] = []

    def plan(self, plan: Any, *, replanned: bool) -> None:
        self.seen.append(f"plan {len(plan.changes)}")

    def confirm(self, connection: Connection) -> None:
        self.seen.append("asked")
        if not self.answer:
            raise ReconcilerError("apply cancelled; nothing was changed")

    def waiting(self, holder: Any) -> None:
        self.seen.append("waiting")

    def outcome(self, outcome: Any, total: int) -> None:
        self.seen.append(f"{outcome.change.address} {'ok' if outcome.ok else 'failed'}")

    def progress(self, files: int, size: int) -> tuple[Callable[..., None], Any]:
        return (lambda *args, **kwargs: None), None

    def interrupted(self, again: bool) -> None:
        self.seen.append("interrupted")


def _apply(project: Project, view: Recorder, **options: Any) -> engine.ApplyResult:
    settings = load_settings(project.root / "reconciler.yaml")
    connection = Connection(project.emulator.url, API_KEY, None, None, "flag", "--base-url")
    return engine.apply(settings, connection, engine.ApplyOptions(**options), view)


def test_apply_as_a_library(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.write({"a.yaml": AGENT})
    refused = Recorder(answer=False)
    with pytest.raises(ReconcilerError, match="apply cancelled"):
        _apply(project, refused)
    assert refused.seen == ["plan 1", "asked"] and project.managed("Agent") == {}

    view = Recorder()
    result = _apply(project, view, auto_approve=True)
    assert result.exit_code == ExitCode.OK and result.stopped is None and not result.failed
    assert view.seen == ["plan 1", "Agent/helper ok"]
    assert list(project.managed("Agent")) == ["helper"]
    assert capsys.readouterr() == ("", "")  # the engine prints nothing itself

    again = _apply(project, Recorder(), auto_approve=True)
    assert again.plan is None and again.outcomes == ()  # nothing to do
