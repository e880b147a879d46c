"""Every page of the dashboard over the emulator (TestClient): what it shows, that hostile
values stay text, and that problems become pages while the server keeps serving."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import shutil
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from reconciler.dashboard import pages
from reconciler.dashboard.app import create_app
from reconciler.dashboard.security import Guard
from reconciler.dashboard.workspace import Workspace
from tests.dashboard.conftest import API_KEY, HOSTILE, PORT, SHUTDOWN, Site, signed_in, write


def test_the_overview_counts_plans_and_warns(site: Site) -> None:
    page = site.client().get("/")
    assert page.status_code == 200
    text = page.text
    counts = re.findall(r'<span class="count">(\d+)</span>\s*<span class="label">([^<]+)',
                        text)
    assert {label: int(n) for n, label in counts} == {
        "in sync": 3, "drifted": 1, "to create": 1, "unmanaged": 2, "owned by another scope": 0}
    assert "Plan: 1 to create, 1 to update, 0 to delete." in text
    assert ("model &#39;gpt-legacy&#39; shuts down in 100 days on "
            f"{SHUTDOWN.isoformat()} (the API says); move to gpt-6-luna: reconciler models "
            "upgrade --from gpt-legacy (used by Assistant/drifting)") in text
    assert "Agent/idle had no session in the last 30d" in text
    assert "Agent/writer had no session" not in text
    assert API_KEY not in text


def test_the_resources_table_filters_without_script(site: Site) -> None:
    client = site.client()
    every = client.get("/resources").text
    for name in ("helper", "drifting", "writer", "idle", "fresh", site.ids["by-hand"]):
        assert name in every
    drifted = client.get("/resources", params={"status": "drifted"}).text
    assert ">drifting</a>" in drifted and ">helper</a>" not in drifted
    assert "1 of 7 shown" in drifted
    agents = client.get("/resources", params={"kind": "Agent"}).text
    assert ">writer</a>" in agents and ">helper</a>" not in agents
    found = client.get("/resources", params={"q": "by hand"}).text
    assert site.ids["by-hand"] in found and ">writer</a>" not in found
    assert "Nothing matches." in client.get("/resources", params={"q": "no-such-thing"}).text


def test_a_drifted_resource_shows_its_manifest_live_object_and_diff(site: Site) -> None:
    page = site.client().get("/resources/Assistant/drifting")
    assert page.status_code == 200
    text = page.text
    assert re.search(r"Declared at <code>\S*manifests/assistants.yaml:6:1</code>", text)
    assert "Field-level diff" in text
    assert "<code>temperature</code>" in text and "0.2" in text and "1.0" in text
    assert '<span class="line removed">- Answer in French.</span>' in text
    assert '<span class="line added">+ Answer in English.</span>' in text
    assert site.ids["Assistant/drifting"] in text  # the live object's JSON
    assert "&#34;managed-by&#34;: &#34;assistants-reconciler&#34;" in text


def test_a_resource_in_sync_to_create_and_unknown(site: Site) -> None:
    client = site.client()
    assert "In sync: a plan changes nothing here." in client.get(
        "/resources/Agent/writer").text
    fresh = client.get("/resources/Agent/fresh").text
    assert "does not exist in the live account yet" in fresh and "will be created" in fresh
    missing = client.get("/resources/Agent/nobody")
    assert missing.status_code == 404 and "no manifest or managed live object" in missing.text


def test_hostile_names_stay_text_everywhere(site: Site) -> None:
    client = site.client()
    escaped = html.escape(HOSTILE)
    for path in ("/resources", f"/objects/{site.ids['hostile']}", "/import",
                 f"/import/review?id={site.ids['hostile']}",
                 f"/resources?q={HOSTILE}"):
        text = client.get(path).text
        assert HOSTILE not in text, path
        assert "<img src=x" not in text, path
        assert escaped in text or "&lt;script&gt;" in text, path
        assert API_KEY not in text, path
    assert "&lt;/pre&gt;&lt;img src=x onerror=alert(1)&gt;" in client.get(
        f"/objects/{site.ids['hostile']}").text


def test_models_show_the_catalog_and_their_users(site: Site) -> None:
    text = site.client().get("/models").text
    rows = {m: row for m, row in re.findall(r"<th scope=\"row\"><code>([^<]+)</code>(.*?)</tr>",
                                            text, re.S)}
    assert set(rows) == {"gpt-6-luna", "gpt-6.1-sol", "gpt-legacy"}
    assert "400,000" in rows["gpt-6.1-sol"] and "$1.25" in rows["gpt-6.1-sol"]
    assert "Agent/writer" in rows["gpt-6.1-sol"] and "Agent/fresh" in rows["gpt-6.1-sol"]
    assert re.search(r'class="num">100</td>', rows["gpt-legacy"])
    assert "<td><code>gpt-6-luna</code></td>" in rows["gpt-legacy"], "the replacement"
    assert "reconciler models upgrade --from gpt-legacy" in rows["gpt-legacy"]


def test_usage_shows_the_numbers_of_reconciler_usage(site: Site) -> None:
    page = site.client().get("/usage", params={"since": "30d"}).text
    cli = site.run("usage", "--since", "30d", "--format", "json")
    assert cli.exit_code == 0, cli.output
    report = json.loads(cli.stdout)
    total = report["total"]
    assert total["sessions"] == 100
    assert f"<strong>{total['sessions']:,}</strong> sessions" in page
    assert f"{total['input_tokens']:,} tokens in" in page
    writer = next(a for a in report["agents"] if a["agent"] == "Agent/writer")
    row = re.search(r'Agent/writer</a></th>(.*?)</tr>', page, re.S)
    assert row is not None
    cells = re.findall(r'class="num">([^<]*)</td>', row.group(1))
    assert cells[0] == f"{writer['sessions']:,}"
    assert cells[2:4] == [f"{writer['input_tokens']:,}", f"{writer['output_tokens']:,}"]
    assert cells[4] == pages.cost_text(writer["estimated_cost"], "USD")
    assert f"<title>writer: {writer['sessions']:,}</title>" in page  # the chart's bar
    days = {d["day"][5:]: d["sessions"] for d in report["days"] if d["sessions"]}
    for day, sessions in days.items():
        assert f"<title>{day}: sessions {sessions}</title>" in page


def test_a_bad_window_is_shown_on_the_page(site: Site) -> None:
    page = site.client().get("/usage", params={"since": "forever"})
    assert page.status_code == 200
    assert "&#39;forever&#39; is not a window" in page.text
    longest = site.client().get("/usage", params={"since": "9999w"})  # nothing is read
    assert "&#39;9999w&#39; reaches back more than 366 days" in longest.text


def test_usage_windows_are_kept_by_length_and_bounded(site: Site) -> None:
    from reconciler.dashboard.workspace import MAX_WINDOWS

    workspace = Workspace(site.options())
    client = TestClient(create_app(site.options(), Guard("t", PORT), workspace=workspace),
                        base_url=f"http://127.0.0.1:{PORT}")
    client.get("/?token=t")
    for window in ("4w", "28d"):
        assert client.get("/usage", params={"since": window}).status_code == 200
    snapshot = workspace.snapshot(None)
    assert list(snapshot.usage) == [dt.timedelta(days=30),  # the overview's
                                    dt.timedelta(days=28)]  # one read for both
    for days in range(1, MAX_WINDOWS + 3):
        client.get("/usage", params={"since": f"{days}d"})
    assert len(snapshot.usage) == MAX_WINDOWS


def test_import_reviews_writes_and_the_manifest_plans_as_an_adoption(
        site: Site, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(site.root, copy, ignore=shutil.ignore_patterns(".cache"))
    client = signed_in(site.options(config=copy / "reconciler.yaml"))
    listing = client.get("/import").text
    assert site.ids["by-hand"] in listing and site.ids["hostile"] in listing
    review = client.get("/import/review", params={"id": site.ids["by-hand"]})
    assert review.status_code == 200
    assert "manifests/agents/by-hand.yaml</code>" in review.text
    assert f"reconciler/adopt-id: {site.ids['by-hand']}" in review.text
    digest = re.search(r'name="digest" value="([0-9a-f]+)"', review.text)
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', review.text)
    assert digest and csrf
    form = {"csrf": csrf.group(1), "digest": digest.group(1), "id": site.ids["by-hand"]}
    assert client.post("/import/write", data={**form, "csrf": "x"}).status_code == 403
    assert client.post("/import/write", data={**form, "digest": "0"}).status_code == 409
    done = client.post("/import/write", data=form)
    assert done.status_code == 200, done.text
    assert "commit" in done.text and "pull request" in done.text
    written = copy / "manifests" / "agents" / "by-hand.yaml"
    assert written.is_file() and (copy / "schemas" / "v1").is_dir()
    again = client.post("/import/write", data=form)  # written: no longer unmanaged
    assert again.status_code == 409 and not list(copy.glob("manifests/agents/by-hand-*"))

    validated = site.run("validate", config=copy / "reconciler.yaml")
    assert validated.exit_code == 0, validated.output
    planned = site.run("plan", "--format", "json", config=copy / "reconciler.yaml")
    assert planned.exit_code == 0, planned.output
    change = next(c for c in json.loads(planned.stdout)["changes"]
                  if c["address"] == "Agent/by-hand")
    assert change["action"] == "update" and change["action_reason"] == "adopt"
    status = client.get("/resources", params={"q": site.ids["by-hand"]}).text
    assert "import pending" in status


def test_an_unreachable_api_is_a_problem_on_the_page(site: Site) -> None:
    client = site.client(base_url="http://127.0.0.1:9/v1")
    page = client.get("/")
    assert page.status_code == 200
    assert 'class="problem"' in page.text and "Traceback" not in page.text
    assert "127.0.0.1:9" in page.text
    assert client.get("/resources").status_code == 200  # the manifests, status unknown
    assert "unknown" in client.get("/resources").text
    assert client.get("/models").status_code == 200


def test_invalid_manifests_show_file_line_and_field(site: Site, tmp_path: Path) -> None:
    write(tmp_path, {"reconciler.yaml": "manifests: [manifests]\n", "manifests/bad.yaml": """
        apiVersion: reconciler/v1
        kind: Assistant
        metadata: {name: broken}
        spec:
          model: gpt-6-luna
          temprature: 0.5
        """})
    client = signed_in(site.options(config=tmp_path / "reconciler.yaml"))
    page = client.get("/").text
    assert re.search(r"<code>\S*manifests/bad.yaml:6:3</code>", page)
    assert "<code>spec.temprature</code>" in page and "unknown-field" in page
    assert "Traceback" not in page


def test_environments_have_a_switcher(site: Site, tmp_path: Path) -> None:
    shutil.copytree(site.root / "manifests", tmp_path / "manifests")
    write(tmp_path, {"reconciler.yaml": """
        manifests: [manifests]
        environments:
          dev: {scope: team-dev}
          prod: {scope: team-prod}
        """})
    client = signed_in(site.options(config=tmp_path / "reconciler.yaml"))
    first = client.get("/").text
    assert '<select id="env-select" name="env">' in first
    assert "scope team-dev, environment dev" in first
    prod = client.get("/", params={"env": "prod"}).text
    assert "scope team-prod, environment prod" in prod
    assert 'href="/resources?env=prod"' in prod
    unknown = client.get("/", params={"env": "staging"})
    assert unknown.status_code == 404 and "no environment &#39;staging&#39;" in unknown.text


def test_refresh_reads_again(site: Site) -> None:
    client = site.client()
    first = re.search(r"read ([0-9-]+ [0-9:]+ UTC)", client.get("/").text)
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', client.get("/").text)
    assert first and csrf
    answer = client.post("/refresh", data={"csrf": csrf.group(1), "next": "/models"},
                         follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/models"
    outside = client.post("/refresh", data={"csrf": csrf.group(1),
                                            "next": "//evil.example/"},
                          follow_redirects=False)
    assert outside.headers["location"] == "/"


def test_a_bug_is_an_error_page_and_the_server_goes_on(site: Site,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    client = site.client()

    def broken(*args: object) -> None:
        raise RuntimeError(f"boom {API_KEY}")

    monkeypatch.setattr(pages, "counts", broken)
    page = client.get("/")
    assert page.status_code == 500
    assert "Internal error" in page.text and "boom" not in page.text
    assert "Traceback" not in page.text
    assert API_KEY not in capsys.readouterr().err  # the traceback, masked
    monkeypatch.undo()
    assert client.get("/").status_code == 200
