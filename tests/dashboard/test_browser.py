"""The dashboard in headless Chromium (Playwright over Debian's chromium; nothing is
downloaded): every page loads without console errors, the filter, a drift's diff, the
import flow, the usage chart. A screenshot of each page goes to build/screenshots/."""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from tests.dashboard.conftest import (
    SCREENSHOTS,
    BrowserTestsSkipped,
    Served,
    Site,
    browser_missing,
)

if (missing := browser_missing()) is not None:
    # one line in the short summary (-ra), and one in the warnings summary, which the
    # parallel run (pytest-xdist) also shows
    warnings.warn(BrowserTestsSkipped(missing), stacklevel=1)
    pytest.skip(missing, allow_module_level=True)

PAGES = {"overview": "/", "resources": "/resources", "resource": "/resources/Assistant/drifting",
         "object": None, "models": "/models", "usage": "/usage", "import": "/import"}


class Tab:
    """A browser tab signed in to the dashboard, recording console errors."""

    def __init__(self, page: Any, served: Served) -> None:
        self.page = page
        self.base = served.url
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("response", lambda r: self.errors.append(f"{r.status} {r.url}")
                if r.status >= 400 else None)
        page.goto(f"{self.base}/?token={served.token}")

    def open(self, path: str) -> Any:
        answer = self.page.goto(self.base + path)
        assert answer is not None and answer.ok, (path, answer and answer.status)
        return answer

    def shot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


@pytest.fixture
def tab(browser: Any, served: Served) -> Iterator[Tab]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    opened = Tab(context.new_page(), served)
    yield opened
    context.close()
    assert opened.errors == [], "console errors"


ACCESSIBILITY = """() => {
  const problems = [];
  for (const el of document.querySelectorAll("input:not([type=hidden]), select, textarea")) {
    if (!(el.labels && el.labels.length) && !el.getAttribute("aria-label")
        && !el.getAttribute("aria-labelledby")) { problems.push("unlabelled " + el.outerHTML); }
  }
  for (const table of document.querySelectorAll("table")) {
    if (!table.querySelector("thead th[scope=col]")) { problems.push("a table without headers"); }
  }
  for (const landmark of ["header", "nav[aria-label=Main]", "main", "footer", "main h1"]) {
    if (document.querySelectorAll(landmark).length !== 1) { problems.push("not one " + landmark); }
  }
  const navs = [...document.querySelectorAll("nav")].map(n => n.getAttribute("aria-label"));
  if (navs.includes(null) || new Set(navs).size !== navs.length) { problems.push("nav labels"); }
  return problems;
}"""


def test_every_page_loads_without_console_errors(tab: Tab, site: Site) -> None:
    for name, path in PAGES.items():
        tab.open(path or f"/objects/{site.ids['hostile']}")
        assert tab.page.evaluate(ACCESSIBILITY) == [], name
        assert tab.page.locator("nav[aria-label=Main] a[aria-current=page]").count() <= 1
        tab.shot(name)
    assert tab.page.evaluate("typeof window.alert") == "function"  # nothing hostile ran
    assert tab.errors == []


def test_keyboard_focus_is_visible(tab: Tab) -> None:
    tab.open("/")
    tab.page.keyboard.press("Tab")
    focused = tab.page.evaluate("""() => [document.activeElement.textContent,
        getComputedStyle(document.activeElement).outlineStyle,
        getComputedStyle(document.activeElement).left]""")
    assert focused[0] == "Skip to content" and focused[1] == "solid" and focused[2] == "8px"
    tab.page.keyboard.press("Enter")  # the skip link moves focus into the page
    tab.page.keyboard.press("Tab")
    assert tab.page.evaluate("document.activeElement.closest('main') !== null")


def test_the_resources_table_filters(tab: Tab) -> None:
    tab.open("/resources")
    rows = tab.page.locator("#resources-table tbody tr:not(.hidden)")
    total = rows.count()
    assert total >= 6
    tab.page.fill("#filter-text", "writer")  # filters as you type
    assert rows.count() == 1 and "writer" in rows.first.inner_text()
    assert "1 of" in tab.page.inner_text("#resources-count")
    tab.page.fill("#filter-text", "")
    assert rows.count() == total
    tab.page.select_option("#filter-status", "drifted")  # the form, on the server
    tab.page.click("form.filters button[type=submit]")
    tab.page.wait_for_url("**/resources?*status=drifted*")
    assert rows.count() == 1 and "drifting" in rows.first.inner_text()
    tab.shot("resources-filtered")


def test_a_drifted_resource_shows_its_diff(tab: Tab) -> None:
    tab.open("/resources")
    tab.page.click("#resources-table a:text-is('drifting')")
    tab.page.wait_for_url("**/resources/Assistant/drifting")
    diff = tab.page.locator("table.diff")
    assert diff.is_visible()
    text = diff.inner_text()
    assert "temperature" in text and "0.2" in text and "1.0" in text
    assert tab.page.locator("pre.textdiff .removed").first.inner_text() == "- Answer in French."
    assert tab.page.locator("pre.textdiff .added").first.inner_text() == "+ Answer in English."


def test_import_writes_a_manifest_that_validates_and_plans_as_an_adoption(
        tab: Tab, site: Site, served: Served) -> None:
    tab.open("/import")
    tab.page.check(f"input[name=id][value={site.ids['by-hand']}]")
    tab.page.click("button:text('Review the manifests')")
    tab.page.wait_for_url("**/import/review?*")
    assert "reconciler/adopt-id" in tab.page.inner_text("pre.code")
    tab.shot("import-review")
    tab.page.click("button:text('Write the manifests')")
    tab.page.wait_for_selector("h1:text('Wrote')")
    assert "open a pull request" in tab.page.inner_text("main")
    tab.shot("import-done")
    written = site.root / "manifests" / "agents" / "by-hand.yaml"
    assert written.is_file()
    assert site.run("validate").exit_code == 0
    planned = site.run("plan", "--format", "json")
    assert planned.exit_code == 0, planned.output
    change = next(c for c in json.loads(planned.stdout)["changes"]
                  if c["address"] == "Agent/by-hand")
    assert (change["action"], change["action_reason"]) == ("update", "adopt")


def test_the_usage_chart_shows_the_seeded_sessions(tab: Tab, site: Site) -> None:
    tab.open("/usage?since=30d")
    report = json.loads(site.run("usage", "--since", "30d", "--by", "day",
                                 "--format", "json").stdout)
    bars = tab.page.locator("#chart-sessions rect.bar title").all_text_contents()
    seeded = {d["day"][5:]: d["sessions"] for d in report["days"] if d["sessions"]}
    assert sum(seeded.values()) == 100
    assert {re.sub(r": sessions \d+$", "", t): int(t.rsplit(" ", 1)[1]) for t in bars} == seeded
    agents = tab.page.locator("#chart-agents rect.bar title").all_text_contents()
    assert agents == ["writer: 100", "idle: 0"]
    assert tab.page.locator("#chart-sessions").is_visible()
    tab.shot("usage")
