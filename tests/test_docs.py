"""The documentation: the generated reference pages are current, every page is in the site's
navigation, and the README stays a page that fits on a screen or two."""

from __future__ import annotations

import runpy

from tests.conftest import REPO


def test_the_generated_reference_pages_are_current() -> None:
    generator = runpy.run_path(str(REPO / "docs" / "generate.py"), run_name="docs_generate")
    stale = [str(path.relative_to(REPO)) for path, text in generator["pages"]().items()
             if not path.is_file() or path.read_text(encoding="utf-8") != text]
    assert stale == [], "run `.venv/bin/python docs/generate.py`"


def test_every_page_is_in_the_navigation_and_the_readme_is_short() -> None:
    nav = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    pages = sorted(str(p.relative_to(REPO / "docs")) for p in (REPO / "docs").rglob("*.md"))
    assert [page for page in pages if f" {page}" not in nav] == []
    assert len((REPO / "README.md").read_text(encoding="utf-8").splitlines()) <= 200
