"""Shared fixtures: the repository's folders, and a helper to write manifest trees."""

from __future__ import annotations

import os
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
# Keep the bytecode of the test modules (assertions rewritten) and of what they import, in
# .reconciler/pycache (ignored by git, never beside the sources), even where
# PYTHONDONTWRITEBYTECODE is set: else every run, and every xdist worker, rewrites some 200
# test modules again (about 7 s of a unit run's collection). Checked against each source's
# size and mtime by Python itself, as any bytecode cache is.
sys.dont_write_bytecode = False
sys.pycache_prefix = str(REPO / ".reconciler" / "pycache")
EXAMPLES = REPO / "manifests"
DOC_PAGES = (REPO / "README.md", *sorted((REPO / "docs").glob("*.md")))
"""The README and the documentation's pages: what the docs tests read."""


def docs_text() -> str:
    """The README and every documentation page, one after the other."""
    return "\n".join(page.read_text(encoding="utf-8") for page in DOC_PAGES)
SCHEMAS = REPO / "schemas"
CASES = Path(__file__).resolve().parent / "cases"

WriteTree = Callable[[dict[str, str]], Path]


@pytest.fixture
def write_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> WriteTree:
    """Write {relative path: YAML text} under a temporary folder, chdir there, return it."""
    monkeypatch.chdir(tmp_path)

    def write(files: dict[str, str]) -> Path:
        for name, text in files.items():
            target = tmp_path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return tmp_path

    return write


E2E_FOLDERS = ("engine", "emulator", "dashboard")
E2E_MODULES = ("test_readme_examples.py", "test_endpoints.py")
"""Where the end-to-end tests are: they start emulators (or a browser) and drive the CLI
over HTTP. `pytest -m "not e2e"` runs the unit tests alone."""


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: starts an emulator or a browser (the CLI over "
                                       "HTTP, end to end); `-m 'not e2e'` leaves them out")
    if os.environ.get("UPDATE_GOLDEN") and (os.environ.get("CI")
                                            or os.environ.get("RECONCILER_CI")):
        raise pytest.UsageError("UPDATE_GOLDEN rewrites the expected files: a CI run checks "
                                "them and never rewrites them; unset UPDATE_GOLDEN")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    tests = Path(__file__).resolve().parent
    for item in items:
        where = item.path.relative_to(tests)
        if where.parts[0] in E2E_FOLDERS or where.name in E2E_MODULES:
            item.add_marker(pytest.mark.e2e)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say at the end of every run when the dashboard's browser tests did not run, and how to
    run them (this conftest is loaded by the main process of a parallel run too)."""
    from tests.dashboard.chromium import browser_missing

    reason = browser_missing()
    if reason:
        terminalreporter.write_sep("=", "dashboard browser tests", yellow=True)
        terminalreporter.write_line(reason, yellow=True, bold=True)
