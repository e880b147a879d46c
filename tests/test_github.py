"""`reconciler comment github` against a fake GitHub: a small HTTP server (in a thread) that
serves only the endpoints the reconciler uses, with GitHub's pagination and error bodies.

`FakeGitHub` is also what tests/engine/test_drift.py opens and closes drift issues on.
"""

from __future__ import annotations

import itertools
import json
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from click.testing import CliRunner, Result

from reconciler import github
from reconciler.cli import cli
from reconciler.exitcodes import ExitCode
from reconciler.provider.retry import RetryPolicy

TOKEN = "ghs_FAKE-TOKEN-0123456789abcdef"
REPOSITORY = "octo/app"
Item = dict[str, Any]


@dataclass
class Fault:
    """An answer given instead of the real one, to the next request of `method` (any: None);
    with `store`, the request is carried out first (its answer lost)."""

    status: int
    body: Item = field(default_factory=lambda: {"message": "Server Error"})
    method: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    store: bool = False


class FakeGitHub:
    """Issues and their comments in memory, behind GitHub's REST paths (under `prefix`, as
    GitHub Enterprise Server serves them under /api/v3)."""

    def __init__(self, *, prefix: str = "", login: str | None = None) -> None:
        self.prefix = prefix
        self.login = login
        """The token's user (`GET /user`); None: the workflow's token, which may not read it
        (404 here) and writes as github-actions[bot]."""
        self.comments: dict[int, list[Item]] = {}
        self.issues: list[Item] = []
        self.sent: list[tuple[str, str]] = []
        """Every request: method and path with query (the prefix included)."""
        self.faults: list[Fault] = []
        self.next_host: str | None = None
        """Set: `Link` headers name this host (a server that would lead the token away)."""
        self._ids = itertools.count(9001)
        self._numbers = itertools.count(40)
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.01,),
                                       daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{self.prefix}"

    def __enter__(self) -> FakeGitHub:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def writer(self) -> Item:
        """Who the token writes as."""
        if self.login is not None:
            return {"login": self.login, "type": "User"}
        return {"login": "github-actions[bot]", "type": "Bot"}

    def add_comment(self, number: int, body: str, *, bot: bool = False,
                    user: Item | None = None) -> Item:
        comment = {"id": next(self._ids), "body": body,
                   "user": user or ({"login": "github-actions[bot]", "type": "Bot"} if bot
                                    else {"login": "someone", "type": "User"}),
                   "html_url": f"https://github.example/{REPOSITORY}/pull/{number}"
                               f"#issuecomment-{len(self.comments.get(number, []))}"}
        self.comments.setdefault(number, []).append(comment)
        return comment

    def answer(self, method: str, path: str, query: dict[str, str], body: Item | None,
               host: str) -> tuple[int, Item | list[Item], dict[str, str]]:
        """GitHub's answer to one request (as far as the reconciler asks)."""
        route = path.removeprefix(self.prefix).removeprefix(f"/repos/{REPOSITORY}")
        parts = route.strip("/").split("/")
        with self._lock:
            if route == "/user" and self.login is not None and method == "GET":
                return 200, {"login": self.login}, {}
            if path == route or parts[0] != "issues":
                return 404, {"message": "Not Found"}, {}
            if method == "GET" and len(parts) == 3 and parts[2] == "comments":
                return self._page(self.comments.get(int(parts[1]), []), path, query, host)
            if method == "POST" and len(parts) == 3 and parts[2] == "comments":
                assert body is not None
                return 201, self.add_comment(int(parts[1]), body["body"], user=self.writer), {}
            if method == "PATCH" and parts[1:2] == ["comments"]:
                found = next(c for cs in self.comments.values() for c in cs
                             if c["id"] == int(parts[2]))
                assert body is not None
                found["body"] = body["body"]
                return 200, found, {}
            if len(parts) == 1:
                return self._issues(method, path, query, body, host)
            if method == "PATCH" and len(parts) == 2:
                issue = next(i for i in self.issues if i["number"] == int(parts[1]))
                issue.update(body or {})
                return 200, issue, {}
        return 404, {"message": "Not Found"}, {}

    def _issues(self, method: str, path: str, query: dict[str, str], body: Item | None,
                host: str) -> tuple[int, Item | list[Item], dict[str, str]]:
        if method == "GET":
            found = [i for i in self.issues if i["state"] == query.get("state", "open")
                     and query.get("labels", "") in ("", *(x["name"] for x in i["labels"]))]
            return self._page(found, path, query, host)
        assert method == "POST" and body is not None
        number = next(self._numbers)
        issue = {"number": number, "title": body["title"], "body": body["body"],
                 "state": "open", "user": self.writer,
                 "labels": [{"name": n} for n in body.get("labels", [])],
                 "html_url": f"https://github.example/{REPOSITORY}/issues/{number}"}
        self.issues.append(issue)
        return 201, issue, {}

    def _page(self, items: list[Item], path: str, query: dict[str, str], host: str
              ) -> tuple[int, list[Item], dict[str, str]]:
        size = min(int(query.get("per_page", 30)), 100)
        page = int(query.get("page", 1))
        headers = {}
        if page * size < len(items):
            following = urlencode({**query, "page": page + 1})
            headers["Link"] = (f'<http://{self.next_host or host}{path}?{following}>; '
                               'rel="next"')
        return 200, items[(page - 1) * size:page * size], headers

    def fault_for(self, method: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.method in (None, method):
                    self.faults.remove(fault)
                    return fault
        return None


def _handler(fake: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self._serve()

        do_POST = do_PATCH = do_GET

        def _serve(self) -> None:
            url = urlsplit(self.path)
            fake.sent.append((self.command, self.path))
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                self._send(401, {"message": "Bad credentials"}, {})
                return
            fault = fake.fault_for(self.command)
            if fault is None or fault.store:
                status, answer, headers = fake.answer(self.command, url.path,
                                                      dict(parse_qsl(url.query)), body,
                                                      self.headers["Host"])
            if fault is not None:
                status, answer, headers = fault.status, fault.body, fault.headers
            self._send(status, answer, headers)

        def _send(self, status: int, answer: Item | list[Item], headers: dict[str, str]
                  ) -> None:
            data = json.dumps(answer).encode()
            self.send_response(status)
            for name, value in {**headers, "Content-Type": "application/json",
                                "Content-Length": str(len(data))}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub() as server:
        yield server


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(github, "RETRY", RetryPolicy(base=0.01, cap=0.02, total=5.0))


def actions_env(fake: FakeGitHub, folder: Path, *, number: int = 7, **extra: str | None
                ) -> dict[str, str | None]:
    """The variables a GitHub Actions job on a pull request has (none from this machine)."""
    event = folder / "event.json"
    event.write_text(json.dumps({"action": "synchronize", "pull_request": {"number": number}}))
    return {"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": REPOSITORY, "GITHUB_API_URL": fake.url,
            "GITHUB_EVENT_PATH": str(event), "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_SERVER_URL": None, "GITHUB_RUN_ID": None, "RECONCILER_ENV": None,
            "NO_COLOR": "1", **extra}


def comment(env: dict[str, str | None], *args: str, body: str | None = None,
            input: str | None = None) -> Result:
    """Run `reconciler [ARGS] comment github` (its own options after `--`) with `body` as
    the file."""
    own = list(args)
    if body is not None:
        path = Path(tempfile.mkdtemp(prefix="reconciler-comment-")) / "plan.md"
        path.write_text(body, encoding="utf-8")
        own += ["--file", str(path)]
    return CliRunner().invoke(cli, ["comment", "github", *own], env=env, input=input,
                              catch_exceptions=False)


PLAN = "### Plan: 1 to create, 0 to update, 0 to delete.\n\n| | resource |\n"


def test_a_comment_is_created_then_updated_in_place(fake: FakeGitHub, tmp_path: Path) -> None:
    env = actions_env(fake, tmp_path)
    first = comment(env, body=PLAN)
    assert first.exit_code == ExitCode.OK, first.output
    assert first.stdout.startswith(f"Posted the comment <!-- reconciler plan --> on "
                                   f"{REPOSITORY}#7: https://github.example/")
    second = comment(env, body=PLAN.replace("1 to create", "2 to create"))
    assert second.exit_code == ExitCode.OK, second.output
    assert second.stdout.startswith("Updated the comment")
    [only] = fake.comments[7]
    assert only["body"] == "<!-- reconciler plan -->\n" + PLAN.replace("1 to", "2 to")
    path = f"/repos/{REPOSITORY}/issues/7/comments"
    assert fake.sent == [("GET", f"{path}?per_page=100"), ("POST", path),
                         ("GET", f"{path}?per_page=100"), ("GET", "/user"),
                         ("PATCH", f"/repos/{REPOSITORY}/issues/comments/{only['id']}")]


def test_comments_are_searched_page_by_page(fake: FakeGitHub, tmp_path: Path) -> None:
    for index in range(250):
        fake.add_comment(7, f"comment {index}")
    fake.add_comment(7, "<!-- reconciler plan -->\nquoted by someone")
    ours = fake.add_comment(7, "<!-- reconciler plan -->\nold plan", bot=True)
    result = comment(actions_env(fake, tmp_path), body=PLAN)
    assert result.exit_code == ExitCode.OK, result.output
    assert len(fake.comments[7]) == 252 and ours["body"].endswith(PLAN)
    assert [p for m, p in fake.sent if m == "GET"] == [
        f"/repos/{REPOSITORY}/issues/7/comments?per_page=100",
        f"/repos/{REPOSITORY}/issues/7/comments?per_page=100&page=2",
        f"/repos/{REPOSITORY}/issues/7/comments?per_page=100&page=3", "/user"]


def test_a_marked_comment_by_anyone_else_is_never_updated(fake: FakeGitHub,
                                                           tmp_path: Path) -> None:
    """Before the bot's first post, any commenter can plant a comment whose first line is
    the marker: the workflow must not PATCH it on every push, but post its own."""
    planted = fake.add_comment(7, "<!-- reconciler plan -->\nplanted by a commenter")
    result = comment(actions_env(fake, tmp_path), body=PLAN)
    assert result.exit_code == ExitCode.OK, result.output
    assert result.stdout.startswith("Posted the comment")
    assert planted["body"].endswith("planted by a commenter")
    [ours] = [c for c in fake.comments[7] if c is not planted]
    assert ours["user"]["login"] == "github-actions[bot]"
    assert comment(actions_env(fake, tmp_path), body=PLAN).stdout.startswith("Updated")
    assert len(fake.comments[7]) == 2


def test_with_a_user_token_only_that_user_s_comment_is_ours(tmp_path: Path) -> None:
    with FakeGitHub(login="ann") as fake:
        bot = fake.add_comment(7, "<!-- reconciler plan -->\nthe Actions bot's", bot=True)
        result = comment(actions_env(fake, tmp_path), body=PLAN)
        assert result.exit_code == ExitCode.OK and result.stdout.startswith("Posted")
        assert bot["body"].endswith("the Actions bot's")
        again = comment(actions_env(fake, tmp_path), body=PLAN.replace("1 to", "3 to"))
        assert again.stdout.startswith("Updated")
        [ann] = [c for c in fake.comments[7] if c["user"]["login"] == "ann"]
        assert "3 to create" in ann["body"]


def test_a_body_of_astral_characters_is_cut_by_code_points() -> None:
    body = "<!-- m -->\n" + "\U0001f308\n" * 40_000  # 80,011 code points, 200,011 bytes
    cut = github.fit(body, pointer="(cut)\n")
    assert len(cut) <= github.BODY_LIMIT and len(cut.encode()) <= 4 * github.BODY_LIMIT
    assert len(cut) > github.BODY_LIMIT - 100 and cut.endswith("(cut)\n")


def test_each_environment_and_marker_has_its_own_comment(fake: FakeGitHub,
                                                         tmp_path: Path) -> None:
    env = actions_env(fake, tmp_path)
    for args, text in [(["--env", "dev"], "dev plan\n"), (["--env", "prod"], "prod plan\n"),
                       (["--env", "dev"], "dev plan, again\n"), (["--marker", "diff"],
                                                                 "diff\n")]:
        assert comment(env, *args, body=text).exit_code == ExitCode.OK
    assert [c["body"] for c in fake.comments[7]] == [
        "<!-- reconciler plan: dev -->\ndev plan, again\n",
        "<!-- reconciler plan: prod -->\nprod plan\n", "<!-- reconciler: diff -->\ndiff\n"]
    by_variable = comment({**env, "RECONCILER_ENV": "prod"}, body="prod, again\n")
    assert by_variable.exit_code == ExitCode.OK
    assert fake.comments[7][1]["body"].endswith("prod, again\n")
    bad = comment(env, "--marker", "x --> <script>", body="x\n")
    assert bad.exit_code == ExitCode.ERROR and bad.stderr.startswith("error: marker ")


def test_a_long_body_is_cut_under_the_limit_with_a_pointer(fake: FakeGitHub,
                                                           tmp_path: Path) -> None:
    line = "+     a line of a very long plan, inside a diff block\n"
    plan = f"{PLAN}<details>\n\n```diff\n{line * 2000}```\n</details>\n"
    env = actions_env(fake, tmp_path, GITHUB_SERVER_URL="https://github.example",
                      GITHUB_RUN_ID="123")
    assert comment(env, body=plan).exit_code == ExitCode.OK
    body = fake.comments[7][0]["body"]
    assert len(plan) > 100_000 and 65_000 < len(body) <= 65_536
    kept, _, tail = body.partition("```\n</details>\n\n> **The plan was cut here:**")
    assert kept.endswith(line) and kept.count("```") == 1
    assert tail == (f" it has {len(plan) + 25:,} characters and GitHub allows 65,536. The "
                    "full plan is in the artifacts of [this workflow run](https://github."
                    f"example/{REPOSITORY}/actions/runs/123).\n")
    given = comment(env, "--artifact-url", "https://example.com/plan.txt", body=plan)
    assert given.exit_code == ExitCode.OK
    assert fake.comments[7][0]["body"].endswith(
        "[the workflow artifact](https://example.com/plan.txt).\n")
    assert len(fake.comments[7]) == 1


def test_a_dry_run_sends_nothing(fake: FakeGitHub, tmp_path: Path) -> None:
    env = actions_env(fake, tmp_path, GITHUB_TOKEN=None)
    result = comment(env, "--dry-run", "--env", "prod", "--file", "-", input=PLAN * 2)
    assert result.exit_code == ExitCode.OK, result.output
    path = f"{fake.url}/repos/{REPOSITORY}/issues"
    assert result.stdout.splitlines() == [
        "Dry run: nothing is sent.",
        f"would GET {path}/7/comments?per_page=100 (and its next pages) for the comment "
        "marked <!-- reconciler plan: prod -->",
        f"would PATCH {path}/comments/ID when one is found, else POST {path}/7/comments",
        f"body: {len('<!-- reconciler plan: prod -->' + chr(10) + PLAN * 2)} characters, 7 "
        "lines; the first:",
        "  | <!-- reconciler plan: prod -->", *(f"  | {x}" for x in (PLAN * 2).splitlines())]
    assert fake.sent == []


@pytest.mark.parametrize(("status", "message", "said", "hint"), [
    (403, "Resource not accessible by integration",
     "error: GitHub refused GET {url}/repos/octo/app/issues/7/comments?per_page=100 (403: "
     "Resource not accessible by integration)", "permissions: {pull-requests: write}"),
    (404, "Not Found", "error: GitHub found nothing at GET {url}/repos/octo/app/issues/7/"
     "comments?per_page=100 (404: Not Found)", "check GITHUB_REPOSITORY (or --repo)"),
    (401, "Bad credentials", "error: GitHub refused the token (401: Bad credentials) for GET "
     "{url}/repos/octo/app/issues/7/comments?per_page=100", "GITHUB_TOKEN must be"),
])
def test_a_refusal_is_one_clear_error_without_the_token(
        fake: FakeGitHub, tmp_path: Path, status: int, message: str, said: str,
        hint: str) -> None:
    env = actions_env(fake, tmp_path)
    for debug in ([], ["--debug"]):
        fake.faults.append(Fault(status, {"message": message}))
        result = CliRunner().invoke(cli, [*debug, "comment", "github", "--file", "-"],
                                    env=env, input=PLAN, catch_exceptions=False)
        assert result.exit_code == ExitCode.ERROR
        assert result.stdout == ""
        assert result.stderr.splitlines()[-2] == said.format(url=fake.url).replace(
            "?per_page=100", "")
        assert result.stderr.splitlines()[-1].startswith("hint: ")
        assert hint in result.stderr
        assert ("Traceback" in result.stderr) == bool(debug)
        assert TOKEN not in result.output
    assert fake.comments == {}


def test_the_token_is_masked_even_when_the_server_repeats_it(fake: FakeGitHub,
                                                             tmp_path: Path) -> None:
    fake.faults.append(Fault(422, {"message": f"Validation Failed for Bearer {TOKEN}",
                                   "errors": [{"message": f"token {TOKEN} rejected"}]},
                             method="POST"))
    result = comment(actions_env(fake, tmp_path), "--debug", body=PLAN)
    assert result.exit_code == ExitCode.ERROR
    assert "(422: Validation Failed for Bearer *** (token *** rejected))" in result.stderr
    assert TOKEN not in result.output


def test_github_enterprise_is_reached_at_its_api_url(tmp_path: Path) -> None:
    with FakeGitHub(prefix="/api/v3") as enterprise:
        for index in range(120):
            enterprise.add_comment(7, f"comment {index}")
        result = comment(actions_env(enterprise, tmp_path), body=PLAN)
        assert result.exit_code == ExitCode.OK, result.output
    assert [p for _, p in enterprise.sent] == [
        "/api/v3/repos/octo/app/issues/7/comments?per_page=100",
        "/api/v3/repos/octo/app/issues/7/comments?per_page=100&page=2",
        "/api/v3/repos/octo/app/issues/7/comments"]
    assert enterprise.comments[7][-1]["body"] == "<!-- reconciler plan -->\n" + PLAN


def test_a_next_page_on_another_host_is_not_followed(fake: FakeGitHub, tmp_path: Path) -> None:
    for index in range(101):
        fake.add_comment(7, f"comment {index}")
    fake.next_host = "attacker.example:8080"
    result = comment(actions_env(fake, tmp_path), body=PLAN)
    assert result.exit_code == ExitCode.ERROR
    assert result.stderr.startswith("error: GitHub's next page is outside GITHUB_API_URL "
                                    "(http://attacker.example:8080/repos/octo/app/issues/7/"
                                    "comments): not followed")
    assert len(fake.sent) == 1


def test_busy_answers_are_retried_and_a_lost_create_is_not_repeated(
        fake: FakeGitHub, tmp_path: Path) -> None:
    limited = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "0"}  # reset: now
    fake.faults += [Fault(502, method="GET"), Fault(429, {"message": "slow down"},
                                                    headers={"Retry-After": "0"}),
                    Fault(403, {"message": "API rate limit exceeded"}, headers=limited),
                    Fault(503, method="POST", store=True)]
    result = comment(actions_env(fake, tmp_path), body=PLAN)
    assert result.exit_code == ExitCode.OK, result.output
    assert len(fake.comments[7]) == 1
    assert [m for m, _ in fake.sent] == ["GET", "GET", "GET", "GET", "POST", "GET", "GET"]
    assert fake.sent[-1] == ("GET", "/user")  # the comment found is the token's own
    fake.faults += [Fault(500)] * github.MAX_ATTEMPTS
    failed = comment(actions_env(fake, tmp_path), body=PLAN)
    assert failed.exit_code == ExitCode.ERROR
    assert failed.stderr.startswith(f"error: GitHub answered 500 (Server Error) to GET {fake.url}")


@pytest.mark.parametrize(("change", "args", "said"), [
    ({"GITHUB_TOKEN": None}, [], "error: GITHUB_TOKEN is not set"),
    ({"GITHUB_REPOSITORY": None}, [], "error: GITHUB_REPOSITORY is not set"),
    ({}, ["--repo", "octo/app/../x"], "error: --repo must be OWNER/REPO, not 'octo/app/../x'"),
    ({"GITHUB_EVENT_PATH": None}, [], "error: no pull request: GITHUB_EVENT_PATH is not set"),
    ({"GITHUB_EVENT_NAME": "push"}, [], "error: the event that started this workflow (push) "
                                        "is not a pull request"),
    ({"GITHUB_API_URL": "ftp://example"}, [], "error: GITHUB_API_URL is not an http(s) URL"),
    ({"GITHUB_TOKEN": TOKEN + "\n"}, [], "error: GITHUB_TOKEN holds a space or a control"),
])
def test_missing_or_wrong_inputs_are_one_error(fake: FakeGitHub, tmp_path: Path,
                                               change: dict[str, str | None], args: list[str],
                                               said: str) -> None:
    env = {**actions_env(fake, tmp_path), **change}
    if change.get("GITHUB_EVENT_NAME") == "push":
        Path(str(env["GITHUB_EVENT_PATH"])).write_text('{"ref": "refs/heads/main"}')
    result = comment(env, *args, body=PLAN)
    assert result.exit_code == ExitCode.ERROR
    assert result.stderr.startswith(said), result.stderr
    assert "hint: " in result.stderr or "--repo" in args
    assert fake.sent == [] and TOKEN not in result.output


def test_pr_and_repo_flags_and_issue_comment_events(fake: FakeGitHub, tmp_path: Path) -> None:
    env = actions_env(fake, tmp_path, GITHUB_EVENT_PATH=None, GITHUB_REPOSITORY=None)
    assert comment(env, "--pr", "12", "--repo", REPOSITORY, body=PLAN).exit_code == 0
    event = tmp_path / "comment.json"
    event.write_text(json.dumps({"issue": {"number": 13, "pull_request": {}}}))
    assert comment({**env, "GITHUB_EVENT_PATH": str(event)}, "--repo", REPOSITORY,
                   body=PLAN).exit_code == 0
    event.write_text(json.dumps({"issue": {"number": 14}}))
    plain_issue = comment({**env, "GITHUB_EVENT_PATH": str(event)}, "--repo", REPOSITORY,
                          body=PLAN)
    assert plain_issue.exit_code == ExitCode.ERROR
    assert sorted(fake.comments) == [12, 13]
    assert comment(env, "--pr", "12", "--repo", REPOSITORY, body=" \n").stderr.endswith(
        "plan.md is empty: there is nothing to comment\nhint: give the file `reconciler plan "
        "--format markdown` wrote\n")


def test_fit_cuts_at_a_line_and_closes_what_is_open() -> None:
    pointer = "> cut\n"
    assert github.fit("short\n", pointer=pointer, limit=10) == "short\n"
    text = "<details>\n```diff\n" + "".join(f"+ line {n}\n" for n in range(20))
    cut = github.fit(text, pointer=pointer, limit=80)
    assert len(cut) <= 80 and cut.endswith("\n```\n</details>\n\n> cut\n")
    assert cut.startswith("<details>\n```diff\n+ line 0\n")
    assert github.fit("x" * 100, pointer=pointer, limit=50) == "x" * 42 + "\n" + pointer
