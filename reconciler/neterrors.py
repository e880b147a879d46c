"""What a failed request means, said without `--debug`.

The SDK reports every failed connection as `Connection error.` and a wrong base URL as a bare
404; the cause (a host name that does not resolve, a refused port, a timeout) sits in the
chain of exceptions underneath. `explain` puts it into the user's error: the host, the port
and the cause for a connection, and for a 404 of a request outside `/v1` a hint that the base
URL probably lacks it. Only the host and the path are shown: never userinfo or a query, which
may hold a key.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from typing import TypeVar

import openai

from reconciler.errors import ReconcilerError
from reconciler.loopback import is_loopback

E = TypeVar("E", bound=ReconcilerError)
DEFAULT_PORTS = {"http": 80, "https": 443}


def explain(error: E, exc: BaseException) -> E:
    """Give `error` (translated from the SDK's `exc`) the host and cause, or the `/v1` hint."""
    if isinstance(exc, openai.APIConnectionError):
        error.message = connection_message(exc)
        error.args = (error.message,)
        if error.hint is None and _refused(exc) and is_loopback(exc.request.url.host):
            error.hint = ("nothing listens there: is the local emulator running? "
                          "(reconciler emulator start)")
    elif isinstance(exc, openai.APIStatusError) and exc.status_code == 404:
        error.hint = error.hint or missing_v1_hint(exc.request.url.path)
    return error


def connection_message(exc: openai.APIConnectionError) -> str:
    """`connection failed: HOST:PORT: CAUSE`, the cause taken from the exceptions underneath."""
    url = exc.request.url
    port = url.port or DEFAULT_PORTS.get(url.scheme, 0)
    return f"connection failed: {url.host}:{port}: {cause(exc)}"


def cause(exc: BaseException) -> str:
    """Say why a connection failed: name not known, refused, timed out, TLS, dropped."""
    names = [type(e).__name__ for e in _chain(exc)]
    innermost = list(_chain(exc))[-1]
    if isinstance(innermost, socket.gaierror):
        return f"host name not known ({innermost.strerror or innermost})"
    if isinstance(innermost, ConnectionRefusedError):
        return "connection refused"
    if "ConnectTimeout" in names:
        return "timed out while connecting"
    if isinstance(exc, openai.APITimeoutError) or isinstance(innermost, TimeoutError):
        return "timed out waiting for the answer"
    if isinstance(innermost, ssl.SSLError):
        return f"TLS failed ({innermost.reason or innermost})"
    if "RemoteProtocolError" in names:
        return "the server closed the connection without answering"
    if isinstance(innermost, OSError) and innermost.strerror:
        return innermost.strerror
    return str(innermost) or type(innermost).__name__


def missing_v1_hint(path: str) -> str | None:
    """For a 404 of a request outside `/v1/`: the base URL probably lacks `/v1`."""
    if path.startswith("/v1/") or "/v1/" in path:
        return None
    return (f"the request went to {path}: the base URL probably lacks its /v1 path "
            "(e.g. https://api.openai.com/v1, http://127.0.0.1:8765/v1)")


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _refused(exc: BaseException) -> bool:
    return any(isinstance(e, ConnectionRefusedError) for e in _chain(exc))
