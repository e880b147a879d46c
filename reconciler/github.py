"""GitHub's REST API, as much as the reconciler uses: one comment per environment on a pull
request (`comment github`), one open issue per environment for drift (`drift --open-issue`).

Everything comes from the GitHub Actions environment, which the workflow sets and a pull
request cannot change: GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_EVENT_PATH, GITHUB_API_URL
(GitHub Enterprise), GITHUB_SERVER_URL and GITHUB_RUN_ID. The token is remembered as a secret
(masked on every error path) and sent only to GITHUB_API_URL: a next page on another host is
refused. What we wrote is found again by a hidden marker line, so each run updates it rather
than adding another. 429, 5xx and rate limits are retried with backoff; a create whose answer
was lost is looked for by its marker before it is sent again.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx2

from reconciler import __version__
from reconciler.errors import ConfigError, ReconcilerError
from reconciler.provider import TransientError
from reconciler.provider.retry import Attempts, RetryPolicy, retrying
from reconciler.provider.sdk import retry_after
from reconciler.secrets import redact_url, remember

API_URL = "https://api.github.com"
BODY_LIMIT = 65_536
"""The most characters GitHub accepts in a comment or issue body, counted in Unicode code
points (Python's `len`), as its refusal says (`maximum is 65536 characters`): measured, an
astral emoji counts once, not twice as in UTF-16, and bodies are refused over 262,144 UTF-8
bytes, which 65,536 code points never exceed (at most 4 bytes each)."""
ACTIONS_BOT = "github-actions[bot]"
"""Who the workflow's own token (`secrets.GITHUB_TOKEN`) writes as; it may not read
`GET /user`."""
PER_PAGE = 100
MAX_ATTEMPTS = 4
RETRY = RetryPolicy(base=1.0, cap=10.0, total=60.0)
DRIFT_LABEL = "reconciler-drift"
Item = dict[str, Any]
"""A comment or an issue, as GitHub answers it."""

_REPOSITORY = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
_MARKER_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:/@+ -]{0,99}")
PERMISSIONS_HINT = ("the workflow's token needs `permissions: {pull-requests: write}` to "
                    "comment and `{issues: write}` for drift issues; a pull request from a fork "
                    "gets a read-only token")


@dataclass(frozen=True)
class Workflow:
    """Where this runs, as the GitHub Actions environment (or the flags) says."""

    api_url: str
    repository: str
    """OWNER/REPO."""
    token: str | None = field(repr=False)
    run_url: str | None
    """The workflow run's page (its artifacts are there); None outside a workflow."""

    @classmethod
    def from_environment(cls, environ: Mapping[str, str], *, repository: str | None = None,
                         need_token: bool = True) -> Workflow:
        """Read GITHUB_* (`repository` is --repo); refuse what is missing or malformed."""
        token = environ.get("GITHUB_TOKEN") or None
        remember(token)
        if token is None and need_token:
            raise ConfigError("GITHUB_TOKEN is not set: GitHub needs a token to write",
                              hint="in the workflow: `env: {GITHUB_TOKEN: ${{ "
                                   "secrets.GITHUB_TOKEN }}}`; " + PERMISSIONS_HINT)
        if token is not None and any(ord(c) < 33 or ord(c) == 127 for c in token):
            raise ConfigError("GITHUB_TOKEN holds a space or a control character (a "
                              "trailing newline?)", hint="export it without it")
        api_url = (environ.get("GITHUB_API_URL") or API_URL).rstrip("/")
        if urlsplit(api_url).scheme not in ("http", "https") or not urlsplit(api_url).hostname:
            raise ConfigError(f"GITHUB_API_URL is not an http(s) URL: {redact_url(api_url)}",
                              hint="e.g. https://api.github.com, or "
                                   "https://HOST/api/v3 for GitHub Enterprise Server")
        return cls(api_url, _repository(environ, repository), token, _run_url(environ))

    def url(self, path: str) -> str:
        """The full URL of an API path, as it may be shown."""
        return redact_url(self.api_url + path)


def _repository(environ: Mapping[str, str], given: str | None) -> str:
    where, value = ("--repo", given) if given else ("GITHUB_REPOSITORY",
                                                    environ.get("GITHUB_REPOSITORY"))
    if not value:
        raise ConfigError("GITHUB_REPOSITORY is not set: which repository?",
                          hint="GitHub Actions sets it; elsewhere give --repo OWNER/REPO")
    if not _REPOSITORY.fullmatch(value) or ".." in value:
        raise ConfigError(f"{where} must be OWNER/REPO, not {value!r}")
    return value


def _run_url(environ: Mapping[str, str]) -> str | None:
    server, repository = environ.get("GITHUB_SERVER_URL"), environ.get("GITHUB_REPOSITORY")
    run = environ.get("GITHUB_RUN_ID")
    if not (server and repository and run):
        return None
    return f"{redact_url(server.rstrip('/'))}/{repository}/actions/runs/{run}"


def pull_request_number(environ: Mapping[str, str], given: int | None) -> int:
    """The pull request to comment on: --pr, else the event that started the workflow."""
    if given is not None:
        return given
    path = environ.get("GITHUB_EVENT_PATH")
    hint = ("run it in a job on `pull_request` (or `issue_comment` on a pull request), or "
            "give --pr NUMBER")
    if not path:
        raise ConfigError("no pull request: GITHUB_EVENT_PATH is not set and --pr was not "
                          "given", hint=hint)
    try:
        event = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ConfigError(f"cannot read the event GITHUB_EVENT_PATH names ({path}): {error}",
                          hint=hint) from error
    event = event if isinstance(event, dict) else {}
    found = event.get("pull_request") or (
        event.get("issue") if "pull_request" in (event.get("issue") or {}) else None)
    number = found.get("number") if isinstance(found, dict) else None
    if not isinstance(number, int) or isinstance(number, bool):
        name = environ.get("GITHUB_EVENT_NAME") or "unknown"
        raise ConfigError(f"the event that started this workflow ({name}) is not a pull "
                          "request: there is nothing to comment on", hint=hint)
    return number


def marker(kind: str | None, key: str | None) -> str:
    """The hidden first line that finds what we wrote again: one per kind (`plan`, `drift`;
    None for --marker) and key (an environment, or --marker's text)."""
    name = f"reconciler {kind}" if kind else "reconciler"
    if key is None:
        return f"<!-- {name} -->"
    if not _MARKER_KEY.fullmatch(key) or "--" in key:
        raise ConfigError(f"marker {key!r} may hold only letters, digits, spaces and "
                          "_.:/@+- (no '--'), at most 100")
    return f"<!-- {name}: {key} -->"


def marked(body: str, mark: str) -> str:
    """`body` under its marker line (once)."""
    return body if body.startswith(mark + "\n") else f"{mark}\n{body}"


def fit(body: str, *, pointer: str, limit: int = BODY_LIMIT) -> str:
    """`body` cut at a line boundary to fit `limit` with `pointer` (where the rest is) after
    it, an open code block and `<details>` closed; unchanged when it fits."""
    if len(body) <= limit:
        return body
    budget = limit - len(pointer) - 2
    while True:
        kept = body[:budget]
        kept = kept[:kept.rfind("\n") + 1] if "\n" in kept else kept
        cut = kept + _closers(kept) + "\n" + pointer
        if len(cut) <= limit:
            return cut
        budget -= len(cut) - limit


def _closers(text: str) -> str:
    lines = text.splitlines()
    fence = sum(1 for line in lines if line.lstrip().startswith("```")) % 2
    details = max(0, text.count("<details>") - text.count("</details>"))
    return "```\n" * fence + "</details>\n" * details


def cut_pointer(*, total: int, artifact_url: str | None, run_url: str | None) -> str:
    """The closing line of a cut body: why, and where the full plan is."""
    where = (f"[the workflow artifact]({artifact_url})" if artifact_url
             else f"the artifacts of [this workflow run]({run_url})" if run_url
             else "the artifacts of this workflow run")
    return (f"> **The plan was cut here:** it has {total:,} characters and GitHub allows "
            f"{BODY_LIMIT:,}. The full plan is in {where}.\n")


class _Retry(TransientError):
    """An answer worth asking again for: 429, 5xx, a rate limit, a dropped connection."""

    def __init__(self, response: httpx2.Response | None = None,
                 error: httpx2.TransportError | None = None) -> None:
        waited = None if response is None else _rate_limit_wait(response)
        status = None if response is None else response.status_code
        super().__init__(f"GitHub answered {status or repr(error)}", status=status,
                         retry_after=waited)
        self.response = response
        self.error = error


def _rate_limit_wait(response: httpx2.Response) -> float | None:
    waited = retry_after(response.headers)
    if waited is None and response.headers.get("x-ratelimit-remaining") == "0":
        reset = response.headers.get("x-ratelimit-reset", "")  # when, in epoch seconds
        return max(0.0, int(reset) - time.time()) if reset.isdigit() else 3600.0
    return waited


def _transient(response: httpx2.Response) -> bool:
    if response.status_code == 429 or response.status_code >= 500:
        return True
    return response.status_code == 403 and (
        response.headers.get("x-ratelimit-remaining") == "0"
        or "rate limit" in _message(response).lower())


@dataclass(frozen=True)
class Reply:
    """A successful answer: its JSON, and the next page's URL when there is one."""

    data: Any
    next_url: str | None = None


class GitHub:
    """A client of one repository's REST API over httpx2: requests retried, errors said."""

    def __init__(self, workflow: Workflow, *, policy: RetryPolicy | None = None) -> None:
        self.workflow = workflow
        self.policy = policy or RETRY
        headers = {"Accept": "application/vnd.github+json",
                   "X-GitHub-Api-Version": "2022-11-28",
                   "User-Agent": f"assistants-reconciler/{__version__}"}
        if workflow.token:
            headers["Authorization"] = f"Bearer {workflow.token}"
        self.http = httpx2.Client(base_url=workflow.api_url, headers=headers, timeout=30.0,
                                  follow_redirects=False)
        self._identity: str | None = None

    def __enter__(self) -> GitHub:
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()

    def repo_path(self, rest: str) -> str:
        return f"/repos/{self.workflow.repository}{rest}"

    def identity(self) -> str:
        """The login the token writes as: `GET /user` for a personal or app user token; the
        workflow's token may not read it (403, or 404 on some servers) and writes as
        `github-actions[bot]`."""
        if self._identity is None:
            try:
                reply = self.request("GET", "/user")
                login = reply.data.get("login") if isinstance(reply.data, dict) else None
            except ReconcilerError as error:
                if " (401: " in error.message:
                    raise
                login = None
            self._identity = str(login) if login else ACTIONS_BOT
        return self._identity

    def request(self, method: str, path: str, *, body: Item | None = None,
                params: Mapping[str, str | int] | None = None,
                look: Callable[[], Item | None] | None = None) -> Reply:
        """Send one request, retried on 429, 5xx and dropped connections.

        A POST may have been stored when its answer is lost, so it is sent again only after
        a 429 or a refused connection, or when `look` (which finds what it creates) finds
        nothing; what `look` finds is the answer."""
        attempts = Attempts()

        def attempt() -> Reply:
            try:
                response = self.http.request(method, path, json=body, params=params)
            except httpx2.TransportError as error:
                sent = not isinstance(error, httpx2.ConnectError)
                if attempts.count >= MAX_ATTEMPTS or (sent and method == "POST" and not look):
                    raise self._unreachable(error) from error
                raise _Retry(error=error) from error
            if _transient(response):
                stored = response.status_code >= 500
                if attempts.count >= MAX_ATTEMPTS or (stored and method == "POST"
                                                      and not look):
                    raise self._refused(method, path, response)
                raise _Retry(response)
            if not response.is_success:  # a redirect too: a moved repository is not followed
                raise self._refused(method, path, response)
            return Reply(self._json(method, response), self._next(response))

        def before_retry(error: TransientError) -> Reply | None:
            found = look() if look is not None and method == "POST" else None
            return None if found is None else Reply(found)

        try:
            return retrying(attempt, self.policy, attempts, before_retry=before_retry)
        except _Retry as failed:  # the policy's time ran out
            if failed.response is not None:
                raise self._refused(method, path, failed.response) from None
            assert failed.error is not None
            raise self._unreachable(failed.error) from None

    def pages(self, path: str, params: Mapping[str, str | int] | None = None
              ) -> Iterator[Item]:
        """Every item of a list, page by page (100 a page), following the `Link` header."""
        reply = self.request("GET", path, params={**(params or {}), "per_page": PER_PAGE})
        while True:
            if not isinstance(reply.data, list):
                raise ReconcilerError(f"GitHub did not answer a list to GET "
                                      f"{self.workflow.url(path)}", hint="check GITHUB_API_URL")
            yield from reply.data
            if reply.next_url is None:
                return
            reply = self.request("GET", reply.next_url)

    def _next(self, response: httpx2.Response) -> str | None:
        """The next page's URL; one outside GITHUB_API_URL is refused (the token would go
        there)."""
        url = response.links.get("next", {}).get("url")
        if url is None:
            return None
        base, found = urlsplit(self.workflow.api_url), urlsplit(url)
        if (found.scheme, found.netloc) != (base.scheme, base.netloc) or not (
                found.path.startswith(base.path.rstrip("/") + "/")):
            raise ReconcilerError(f"GitHub's next page is outside GITHUB_API_URL "
                                  f"({redact_url(url)}): not followed, the token would go "
                                  "there", hint="check GITHUB_API_URL")
        return url

    def _refused(self, method: str, path: str, response: httpx2.Response) -> ReconcilerError:
        status, text = response.status_code, _message(response)
        where = f"{method} {redact_url(str(response.request.url))}"
        if status == 401:
            return ReconcilerError(f"GitHub refused the token (401: {text}) for {where}",
                                   hint="GITHUB_TOKEN must be the workflow's token "
                                        "(secrets.GITHUB_TOKEN) or one that may write to "
                                        f"{self.workflow.repository}")
        if status == 403:
            if _transient(response):
                return ReconcilerError(f"GitHub's rate limit was reached ({text}) for {where}",
                                       hint="run it again later")
            return ReconcilerError(f"GitHub refused {where} (403: {text})",
                                   hint=PERMISSIONS_HINT)
        if status == 404:
            return ReconcilerError(f"GitHub found nothing at {where} (404: {text})",
                                   hint="check GITHUB_REPOSITORY (or --repo), the number, and "
                                        "that the token can see the repository (GitHub "
                                        "answers 404 to a token that cannot read it)")
        if status == 429 or status >= 500:
            return ReconcilerError(f"GitHub answered {status} ({text}) to {where}",
                                   hint="GitHub may be busy (retried with backoff while it "
                                        "made sense): run it again later")
        if 300 <= status < 400:
            return ReconcilerError(f"GitHub redirected {where} ({status}: {text})",
                                   hint="was the repository renamed or moved? Check "
                                        "GITHUB_REPOSITORY (or --repo) and GITHUB_API_URL")
        return ReconcilerError(f"GitHub rejected {where} ({status}: {text})")

    def _json(self, method: str, response: httpx2.Response) -> Any:
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise ReconcilerError(f"GitHub's answer to {method} "
                                  f"{redact_url(str(response.request.url))} is not JSON",
                                  hint="check GITHUB_API_URL (e.g. https://api.github.com, "
                                       "not https://github.com)") from None

    def _unreachable(self, error: httpx2.TransportError) -> ReconcilerError:
        return ReconcilerError(f"cannot reach GitHub at {self.workflow.url('')}: "
                               f"{type(error).__name__}: {error}",
                               hint="check GITHUB_API_URL (GitHub Enterprise Server: "
                                    "https://HOST/api/v3)")


def _message(response: httpx2.Response) -> str:
    """GitHub's own words: `message`, and each of `errors` (422)."""
    try:
        data = response.json()
    except ValueError:
        return response.reason_phrase or "no message"
    if not isinstance(data, dict):
        return "no message"
    errors = [e.get("message") or e.get("code") for e in data.get("errors") or []
              if isinstance(e, dict)]
    text = str(data.get("message") or "no message")[:300]
    return text + (f" ({'; '.join(str(e) for e in errors)})" if errors else "")


def first_marked(items: Iterator[Item], mark: str, author: Callable[[], str]) -> Item | None:
    """The first item whose body's first line is `mark` and that `author()` (the token's own
    login, asked only once an item is marked) wrote. Anyone may post a comment or open an
    issue that starts with the marker (before our first one, or quoting it): such an item is
    never updated, nor closed."""
    marked = [item for item in items
              if str(item.get("body") or "").split("\n", 1)[0].strip() == mark]
    if not marked:
        return None
    login = author()
    return next((item for item in marked if (item.get("user") or {}).get("login") == login),
                None)


class Done(Enum):
    """What a write did to a comment or an issue."""

    CREATED = "created"
    UPDATED = "updated"
    CLOSED = "closed"


@dataclass(frozen=True)
class Written:
    """What a write did, and the comment or issue as GitHub answered it."""

    done: Done
    item: Item


def upsert_comment(github: GitHub, number: int, mark: str, body: str) -> Written:
    """Update the pull request's comment marked `mark` with `body`, or post one."""
    path = github.repo_path(f"/issues/{number}/comments")

    def look() -> Item | None:
        return first_marked(github.pages(path), mark, github.identity)

    found = look()
    if found is not None:
        reply = github.request("PATCH", github.repo_path(f"/issues/comments/{found['id']}"),
                               body={"body": body})
        return Written(Done.UPDATED, reply.data)
    return Written(Done.CREATED, github.request("POST", path, body={"body": body},
                                             look=look).data)


def open_drift_issue(github: GitHub, mark: str) -> Item | None:
    """The open drift issue marked `mark` (labelled `reconciler-drift`), if there is one."""
    issues = (issue for issue in github.pages(github.repo_path("/issues"), {
        "state": "open", "labels": DRIFT_LABEL}) if "pull_request" not in issue)
    return first_marked(issues, mark, github.identity)


def report_drift(github: GitHub, mark: str, *, title: str, body: str | None,
                 closing: str) -> Written | None:
    """Open or update the drift issue with `body`; with `body` None (no drift), close it
    with the comment `closing`. None: no drift, and no issue to close."""
    found = open_drift_issue(github, mark)
    if body is not None and found is not None:
        reply = github.request("PATCH", github.repo_path(f"/issues/{found['number']}"),
                               body={"title": title, "body": body})
        return Written(Done.UPDATED, reply.data)
    if body is not None:
        reply = github.request("POST", github.repo_path("/issues"), body={
            "title": title, "body": body, "labels": [DRIFT_LABEL]},
            look=lambda: open_drift_issue(github, mark))
        return Written(Done.CREATED, reply.data)
    if found is None:
        return None
    github.request("POST", github.repo_path(f"/issues/{found['number']}/comments"),
                   body={"body": closing})
    reply = github.request("PATCH", github.repo_path(f"/issues/{found['number']}"),
                           body={"state": "closed", "state_reason": "completed"})
    return Written(Done.CLOSED, reply.data)
