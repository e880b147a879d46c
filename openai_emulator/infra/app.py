"""The ASGI application: the resources' routes, and one middleware (the gate) for counting,
faults, auth, the beta headers and body limits. Admin endpoints live outside `/v1` under
`/admin`.

What it serves comes in as an `Api` (`contract`), which the registry (`openai_emulator.routes`)
builds from the resource modules: nothing here knows a resource."""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from openai_emulator.infra.contract import Api
from openai_emulator.infra.errors import ApiError, rate_limited, server_error
from openai_emulator.infra.faults import FaultInjector, FaultPlan, FaultRule
from openai_emulator.infra.http import json_body
from openai_emulator.infra.loopback import is_loopback
from openai_emulator.infra.state import State

log = logging.getLogger("openai_emulator")


class DroppedConnection(Exception):
    """Raised after a partial response so that the server closes the connection."""


class Stats:
    """Requests by method and route template, and faults injected."""

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self.faults: Counter[str] = Counter()

    def as_dict(self) -> dict[str, Any]:
        return {"total": sum(self.requests.values()), "requests": dict(self.requests),
                "faults": dict(self.faults)}


class Gate:
    """Counts every /v1 request, then applies faults, authentication, beta headers and body
    limits (the JSON limit, or the one a resource gives its route)."""

    def __init__(self, app: ASGIApp, state: State, injector: FaultInjector, stats: Stats,
                 api: Api) -> None:
        self.app = app
        self.state = state
        self.injector = injector
        self.stats = stats
        self.api = api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        refusal = self._foreign_host(scope) if scope["type"] == "http" else None
        if refusal is None and scope["type"] == "http" and scope["path"].startswith("/admin"):
            refusal = self._admin_refusal(scope) or self._oversized(scope)
            if refusal is None:
                await self.app(scope, self._limited(scope, receive), send)
                return
        if refusal is not None:
            await refusal.response()(scope, receive, send)
            return
        if scope["type"] != "http" or not scope["path"].startswith("/v1"):
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        self.stats.requests[f"{method} {self._template(scope)}"] += 1
        decision = self.injector.decide(method, path)
        if decision.latency:
            await asyncio.sleep(decision.latency)
        rule = decision.rule
        if rule is not None and rule.fault != "commit_then_fail":
            self.stats.faults[rule.fault] += 1
            await self._fail(rule, scope, receive, send)
            return
        retired = next((name for name in self.state.settings.retired
                        if path.startswith(f"/v1/{name}")), None)
        if retired is not None:
            await ApiError(410, f"The {retired} API has been retired on this server.",
                           code="api_retired").response()(scope, receive, send)
            return
        refusal = self._refusal(scope)
        if refusal is None and (refusal := self._oversized(scope)) is not None:
            await _drain(receive)
        if refusal is not None:
            await refusal.response()(scope, receive, send)
            return
        receive = self._limited(scope, receive)
        if rule is None:
            await self.app(scope, receive, send)
            return
        self.stats.faults["commit_then_fail"] += 1
        await self.app(scope, receive, _discard)
        await self._fail(rule, scope, receive, send)

    def _template(self, scope: Scope) -> str:
        for route in self.api.routes:
            match, _ = route.matches(scope)
            if match is not Match.NONE:
                return str(route.path)
        return str(scope["path"])

    async def _fail(self, rule: FaultRule, scope: Scope, receive: Receive, send: Send) -> None:
        if rule.fault == "rate_limit":
            await rate_limited(rule.retry_after).response()(scope, receive, send)
        elif rule.fault == "disconnect" or rule.then == "disconnect":
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", b"1024")]})
            await send({"type": "http.response.body", "body": b'{"id": "', "more_body": True})
            raise DroppedConnection
        else:
            await server_error(rule.status).response()(scope, receive, send)

    def _body_limit(self, scope: Scope) -> int:
        """The JSON limit, unless a resource gives its route another (`Api.body_limits`)."""
        settings = self.state.settings
        limit = self.api.body_limits.get((scope["method"], scope["path"]))
        return settings.max_json_bytes if limit is None else limit(settings)

    def _oversized(self, scope: Scope) -> ApiError | None:
        """Refuse a body whose declared length is over the limit, before reading it."""
        declared = _headers(scope).get("content-length", "")
        limit = self._body_limit(scope)
        return _too_large(limit) if declared.isdigit() and int(declared) > limit else None

    def _limited(self, scope: Scope, receive: Receive) -> Receive:
        """`receive`, refusing the body as soon as more than the limit has arrived (a
        chunked body has no declared length): it is never read whole."""
        limit, received = self._body_limit(scope), 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                if message.get("more_body"):
                    await _drain(receive)
                raise _too_large(limit)
            return message

        return limited

    def _foreign_host(self, scope: Scope) -> ApiError | None:
        """On loopback, a request must name a loopback host: a page on another site whose
        name now resolves to 127.0.0.1 (DNS rebinding) names its own."""
        if not self.state.settings.loopback_only:
            return None
        host = urlsplit("//" + _headers(scope).get("host", "localhost")).hostname or ""
        return None if is_loopback(host) else ApiError(
            403, f"Host '{host}' is not this machine: the emulator answers only requests "
                 "for a loopback address.", code="forbidden_host")

    def _admin_refusal(self, scope: Scope) -> ApiError | None:
        """The admin API can wipe and fault the emulator: with `--api-key` it needs the key,
        and a write must be JSON, which a web page cannot send across origins without a
        preflight (so no form post from a browser can reach it)."""
        if scope["method"] == "GET" and scope["path"] == "/admin/health":
            return None
        headers = _headers(scope)
        expected = self.state.settings.api_key
        if expected is not None and _bearer(headers) != expected:
            return ApiError(401, "Incorrect API key provided.", code="invalid_api_key")
        media = headers.get("content-type", "").split(";")[0].strip().lower()
        if scope["method"] != "GET" and media != "application/json":
            return ApiError(415, "Admin requests must have Content-Type: application/json.",
                            code="unsupported_media_type")
        return None

    def _refusal(self, scope: Scope) -> ApiError | None:
        headers = _headers(scope)
        key = _bearer(headers)
        if not key:
            return ApiError(401, "You didn't provide an API key. You need to provide your API "
                                 "key in an Authorization header using Bearer auth (i.e. "
                                 "Authorization: Bearer YOUR_KEY).")
        expected = self.state.settings.api_key
        if expected is not None and key != expected:
            return ApiError(401, "Incorrect API key provided.", code="invalid_api_key")
        for prefix, value, name in self.api.betas:
            if scope["path"].startswith(prefix) and value not in headers.get("openai-beta", ""):
                return ApiError(400, f"You must provide the 'OpenAI-Beta' header to access the "
                                     f"{name} API. Please try again by setting the header "
                                     f"'OpenAI-Beta: {value}'.")
        return None


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def _bearer(headers: dict[str, str]) -> str:
    auth = headers.get("authorization", "")
    return auth[7:].strip() if auth.lower().startswith("bearer ") else ""


def _too_large(limit: int) -> ApiError:
    return ApiError(413, f"Request too large: the body is over the limit of {limit} bytes.",
                    code="request_too_large")


DRAIN_BYTES = 32 * 1024 * 1024
"""How much of a refused body is read (and thrown away) so that the client, still sending,
reads the 413 rather than a reset connection; past it the connection is closed."""


async def _drain(receive: Receive) -> None:
    """Read and discard the rest of a refused body, up to DRAIN_BYTES."""
    drained = 0
    while drained <= DRAIN_BYTES:
        message = await receive()
        drained += len(message.get("body", b""))
        if not message.get("more_body"):
            return


async def _discard(message: Message) -> None:
    return None


class _QuietDrops(logging.Filter):
    """Keep the deliberate dropped connections out of the server's error log."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, DroppedConnection)


def build_app(state: State, api: Api, injector: FaultInjector | None = None) -> Starlette:
    """Return the emulator application over `state`, serving `api`."""
    injector = injector or FaultInjector()
    stats = Stats()
    admin = [*_admin_routes(state, injector, stats), *api.admin_routes]
    app = Starlette(routes=[*api.routes, *admin], exception_handlers={
        ApiError: _api_error, HTTPException: _http_error, Exception: _crash})
    app.state.emulator = state
    app.state.stats = stats
    app.state.injector = injector
    app.add_middleware(Gate, state=state, injector=injector, stats=stats, api=api)
    logging.getLogger("uvicorn.error").addFilter(_QuietDrops())
    return app


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return exc.response()


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 400:  # a malformed multipart body, as Starlette reports it
        return ApiError(400, f"Invalid request body: {exc.detail}",
                        code="invalid_request_body").response()
    return ApiError(exc.status_code if exc.status_code in (404, 405) else 404,
                    f"Invalid URL ({request.method} {request.url.path})").response()


async def _crash(request: Request, exc: Exception) -> Response:
    # a client that went away mid-request (killed, timed out) is no error of ours
    if not isinstance(exc, DroppedConnection | ClientDisconnect):
        log.exception("internal error")
    return server_error().response()


def _admin_routes(state: State, injector: FaultInjector, stats: Stats) -> list[Route]:
    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def get_faults(request: Request) -> Response:
        return JSONResponse({"plan": injector.plan.model_dump(), "rules": injector.report()})

    async def put_faults(request: Request) -> Response:
        try:
            plan = FaultPlan.model_validate(await json_body(request))
        except ValidationError as exc:
            return JSONResponse({"error": {"message": str(exc), "type": "invalid_request_error",
                                           "param": None, "code": None}}, status_code=400)
        injector.load(plan)
        return JSONResponse({"plan": plan.model_dump()})

    async def clear_faults(request: Request) -> Response:
        injector.load(FaultPlan())
        return JSONResponse({"plan": injector.plan.model_dump()})

    async def get_stats(request: Request) -> Response:
        return JSONResponse(stats.as_dict())

    async def clear_stats(request: Request) -> Response:
        stats.requests.clear()
        stats.faults.clear()
        return JSONResponse(stats.as_dict())

    async def reset(request: Request) -> Response:
        state.store.wipe()
        shutil.rmtree(state.files_dir, ignore_errors=True)
        state.files_dir.mkdir(parents=True, exist_ok=True)
        injector.load(FaultPlan())
        stats.requests.clear()
        stats.faults.clear()
        return JSONResponse({"status": "reset"})

    return [
        Route("/admin/health", health, methods=["GET"]),
        Route("/admin/faults", get_faults, methods=["GET"]),
        Route("/admin/faults", put_faults, methods=["PUT", "POST"]),
        Route("/admin/faults", clear_faults, methods=["DELETE"]),
        Route("/admin/stats", get_stats, methods=["GET"]),
        Route("/admin/stats", clear_stats, methods=["DELETE"]),
        Route("/admin/reset", reset, methods=["POST"]),
    ]
