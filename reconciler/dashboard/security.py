"""Every request to the dashboard passes here first.

- The Host header must name the loopback address and port the server listens on, so a page
  of another site that rebinds its DNS name to 127.0.0.1 gets nothing (DNS rebinding).
- The URL `reconciler ui` prints carries a random token; it is swapped for an HttpOnly,
  SameSite=Strict cookie (and taken out of the address bar). Without that cookie, nothing but
  the static files is served.
- Every POST carries a CSRF token (derived from the token) in its form, and an Origin, when
  the browser sends one, that is the dashboard's own.
- Every answer carries a Content-Security-Policy without inline script or style, and says
  not to be framed, sniffed or cached, and to send a Referer only to the dashboard itself
  (`no-referrer` would make the browser send `Origin: null` with our own forms).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LOOPBACK_NAMES = ("127.0.0.1", "localhost")
MAX_FORM_BYTES = 256 * 1024
"""The largest POST body accepted (forms here carry ids and a digest)."""
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]
DENIED = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>reconciler ui: {title}</title></head><body><main><h1>{title}</h1><p>{text}</p></main>
</body></html>"""


def local_target(path: str) -> str:
    """`path` when it is a path of this dashboard to send the browser to, else `/`: it must
    start with one `/` (`//host` is another site), hold no backslash (some browsers read it
    as `/`) and only printable ASCII (the request's raw, percent-encoded path is; a decoded
    one could carry a line break into a header)."""
    if (path.startswith("/") and not path.startswith("//") and "\\" not in path
            and all(" " < c < "\x7f" for c in path)):
        return path
    return "/"


def new_token() -> str:
    """A random token for the URL (and then the cookie): 256 bits."""
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Guard:
    """The token, the port and what follows from them."""

    token: str
    port: int
    host: str = "127.0.0.1"
    """The loopback address it listens on (`reconciler ui` takes one of its own where it
    can: cookies are kept per host, not per port)."""

    @property
    def cookie(self) -> str:
        """The cookie's name: one per port, as cookies do not tell ports apart."""
        return f"reconciler-ui-{self.port}"

    @property
    def csrf(self) -> str:
        """The CSRF token every form carries (derived from the token: no state to keep)."""
        return hmac.new(self.token.encode(), b"csrf", hashlib.sha256).hexdigest()

    @property
    def hosts(self) -> tuple[str, ...]:
        """The Host headers answered: the address (and `localhost` when it is 127.0.0.1)."""
        names = LOOPBACK_NAMES if self.host == "127.0.0.1" else (self.host,)
        return tuple(f"{name}:{self.port}" for name in names)

    def url(self, path: str = "/") -> str:
        """The address to open: with the token, which the first answer swaps for a cookie."""
        return f"http://{self.host}:{self.port}{path}?{urlencode({'token': self.token})}"


class GuardMiddleware:
    """ASGI middleware enforcing the checks in the module's docstring."""

    def __init__(self, app: ASGIApp, guard: Guard, *, public: tuple[str, ...] = ("/static/",)
                 ) -> None:
        self.app = app
        self.guard = guard
        self.public = public

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _with_headers(send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        if headers.get("host", "").lower() not in self.guard.hosts:
            await _deny(send, 421, "Wrong host", "This dashboard answers only at "
                        f"http://{self.guard.host}:{self.guard.port}/ (the Host header "
                        "names another server).")
            return
        path: str = scope.get("path", "/")
        if path.startswith(self.public) and scope["method"] in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"),
                          keep_blank_values=True)
        if any(name == "token" for name, _ in query):
            await self._exchange(scope, query, send)
            return
        if not hmac.compare_digest(_cookies(headers).get(self.guard.cookie, "").encode(),
                                   self.guard.token.encode()):
            await _deny(send, 403, "Open the link reconciler ui printed",
                        "This dashboard needs the link with its token that <code>reconciler "
                        "ui</code> printed when it started.")
            return
        if scope["method"] not in ("GET", "HEAD", "POST"):
            await _deny(send, 405, "Not allowed", "The dashboard only reads, and posts forms.")
            return
        if scope["method"] == "POST":
            body = await self._checked_form(headers, receive, send)
            if body is None:
                return
            receive = _replay(body, receive)
        await self.app(scope, receive, send)

    async def _exchange(self, scope: Scope, query: list[tuple[str, str]], send: Send) -> None:
        """Swap a correct token in the URL for the cookie, and drop it from the address."""
        given = next(value for name, value in query if name == "token")
        if not hmac.compare_digest(given.encode(), self.guard.token.encode()):
            await _deny(send, 403, "Wrong token", "This link's token is not the one "
                        "<code>reconciler ui</code> printed (a new run prints a new one).")
            return
        rest = urlencode([(k, v) for k, v in query if k != "token"])
        raw = scope.get("raw_path") or scope.get("path", "/").encode()
        location = local_target(raw.decode("latin-1")) + (f"?{rest}" if rest else "")
        cookie = (f"{self.guard.cookie}={self.guard.token}; HttpOnly; SameSite=Strict; "
                  "Path=/")
        await send({"type": "http.response.start", "status": 303,
                    "headers": [(b"location", location.encode()),
                                (b"set-cookie", cookie.encode())]})
        await send({"type": "http.response.body", "body": b""})

    async def _checked_form(self, headers: dict[str, str], receive: Receive, send: Send
                            ) -> bytes | None:
        """The body of a POST whose origin and CSRF token are right (None: denied)."""
        origin = headers.get("origin")
        if origin is not None and origin not in {f"http://{h}" for h in self.guard.hosts}:
            await _deny(send, 403, "Wrong origin", "This form was sent from another site.")
            return None
        body = await _read(receive)
        if body is None:
            await _deny(send, 413, "Too large", "The form is too large.")
            return None
        form = dict(parse_qsl(body.decode("utf-8", "replace")))
        if not hmac.compare_digest(form.get("csrf", "").encode(), self.guard.csrf.encode()):
            await _deny(send, 403, "Form expired", "This form lacks the dashboard's CSRF "
                        "token (is it from an earlier run?). Reload the page and try again.")
            return None
        return body


def _with_headers(send: Send) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            present = {k.lower() for k, _ in message.get("headers", [])}
            message["headers"] = [*message.get("headers", []),
                                  *(h for h in HEADERS if h[0] not in present)]
        await send(message)
    return sending


def _cookies(headers: dict[str, str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for part in headers.get("cookie", "").split(";"):
        name, _, value = part.strip().partition("=")
        found.setdefault(name, value)
    return found


async def _read(receive: Receive) -> bytes | None:
    body = b""
    while True:
        message = await receive()
        body += bytes(message.get("body", b""))
        if len(body) > MAX_FORM_BYTES:
            return None
        if not message.get("more_body"):
            return body


def _replay(body: bytes, then: Receive) -> Receive:
    """The body read already, then whatever the client sends next (its disconnect)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return await then()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}
    return receive


async def _deny(send: Send, status: int, title: str, text: str) -> None:
    page = DENIED.format(title=title, text=text).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/html; charset=utf-8"),
                            (b"content-length", str(len(page)).encode())]})
    await send({"type": "http.response.body", "body": page})
