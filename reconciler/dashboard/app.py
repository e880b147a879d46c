"""The dashboard's routes: each reads a snapshot (cached), shapes it (`pages`) and renders a
Jinja2 template with autoescaping on, so a manifest or live value is always text.

A user error (`ReconcilerError`) becomes a page that says what is wrong and how to fix it;
anything else becomes a page that says an internal error happened (its traceback goes to
the server's stderr, secrets masked), and the server keeps running.
"""

from __future__ import annotations

import datetime as dt
import sys
import traceback
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode

import jinja2
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from reconciler import secrets, usage
from reconciler.errors import ReconcilerError

from . import STATIC, TEMPLATES, charts, importing, pages
from .security import Guard, GuardMiddleware, local_target
from .workspace import Options, Problem, Snapshot, UnknownEnvironment, Workspace

NAV = (("overview", "/", "Overview"), ("resources", "/resources", "Resources"),
       ("models", "/models", "Models"), ("usage", "/usage", "Usage"),
       ("import", "/import", "Import"))


def templates() -> jinja2.Environment:
    """The templates, autoescaped everywhere, undefined names an error."""
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES),
                                     autoescape=True, undefined=jinja2.StrictUndefined,
                                     trim_blocks=True, lstrip_blocks=True)
    environment.filters.update(number=_number, cost=pages.cost_text, share=_share,
                               when=_when, moment=_moment)
    return environment


class Dashboard:
    """The pages, over one workspace; every method is a route."""

    def __init__(self, workspace: Workspace, guard: Guard) -> None:
        self.workspace = workspace
        self.guard = guard
        self.templates = templates()

    # --- pages ------------------------------------------------------------------------

    def overview(self, request: Request) -> Response:
        env, snapshot = self._read(request)
        table = pages.rows(snapshot)
        report = self.workspace.usage(snapshot, pages.UNUSED_WINDOW) if (
            snapshot.inventory is not None) else None
        activity = None
        if isinstance(report, usage.Report):
            tables = pages.usage_tables(report)
            activity = {"tables": tables, "chart": charts.columns(
                "chart-overview", f"Sessions per day, last {pages.UNUSED_WINDOW}",
                [row["day"][5:] for row in tables.days],
                [charts.Series("sessions", [row["sessions"] for row in tables.days])],
                width=560, height=180)}
        return self._page(request, "overview.html", env, snapshot, "overview",
                          counts=pages.counts(table), plan=pages.plan_summary(snapshot),
                          warnings=pages.warnings(snapshot, self.workspace.today(), report),
                          activity=activity)

    def resources(self, request: Request) -> Response:
        env, snapshot = self._read(request)
        query = request.query_params
        text, status, kind = (query.get("q", "").strip(), query.get("status", ""),
                              query.get("kind", ""))
        table = pages.rows(snapshot)
        shown = pages.select(table, text=text, status=status, kind=kind)
        return self._page(request, "resources.html", env, snapshot, "resources", rows=shown,
                          total=len(table), text=text, status=status, kind=kind,
                          statuses=pages.STATUSES, kinds=pages.kinds_of(table))

    def resource(self, request: Request) -> Response:
        env, snapshot = self._read(request)
        kind, name = request.path_params["kind"], request.path_params["name"]
        found = pages.detail(snapshot, kind, name)
        if found is None:
            raise HTTPException(404, f"no manifest or managed live object {kind}/{name}")
        return self._page(request, "resource.html", env, snapshot, "resources", detail=found,
                          field_rows=pages.field_rows, headline=pages.headline)

    def live_object(self, request: Request) -> Response:
        env, snapshot = self._read(request)
        found = pages.live_object(snapshot, request.path_params["object_id"])
        if found is None:
            raise HTTPException(404, "no live object has this id (refresh to read the "
                                     "account again)")
        row = next((r for r in pages.rows(snapshot) if r.live_id == found.id), None)
        importable = any(c.id == found.id for c in importing.candidates(snapshot))
        return self._page(request, "object.html", env, snapshot, "resources", obj=found,
                          row=row, importable=importable,
                          live_json=pages.live_json(found))

    def models(self, request: Request) -> Response:
        env, snapshot = self._read(request)
        return self._page(request, "models.html", env, snapshot, "models",
                          models=pages.models(snapshot, self.workspace.today()),
                          uncatalogued=pages.uncatalogued(snapshot),
                          no_catalog=pages.no_catalog(snapshot))

    def usage(self, request: Request) -> Response:
        env, snapshot = self._read(request)
        since = request.query_params.get("since", "30d").strip() or "30d"
        try:
            report = self.workspace.usage(snapshot, since)
        except ReconcilerError as exc:
            report = Problem.of(exc)
        context: dict[str, Any] = {"since": since, "report_problem": None, "tables": None}
        if isinstance(report, Problem):
            context["report_problem"] = report
        else:
            tables = pages.usage_tables(report)
            context.update(tables=tables, charts=_usage_charts(tables))
        return self._page(request, "usage.html", env, snapshot, "usage", **context)

    def import_page(self, request: Request) -> Response:
        env, snapshot = self._read(request)
        return self._page(request, "import.html", env, snapshot, "import",
                          candidates=importing.candidates(snapshot))

    def import_review(self, request: Request) -> Response:
        env, snapshot = self._read(request)
        chosen = request.query_params.getlist("id")
        try:
            found = importing.review(snapshot, chosen)
        except ReconcilerError as exc:
            return self._page(request, "import.html", env, snapshot, "import", code=400,
                              candidates=importing.candidates(snapshot),
                              error=Problem.of(exc), chosen=chosen)
        return self._page(request, "import_review.html", env, snapshot, "import",
                          review=found)

    async def import_write(self, request: Request) -> Response:
        form = await _form(request)
        return await run_in_threadpool(self._write, request, form)

    def _write(self, request: Request, form: list[tuple[str, str]]) -> Response:
        fields = dict(form)
        env = self._environment(fields.get("env") or None)
        snapshot = self.workspace.snapshot(env)
        chosen = [v for k, v in form if k == "id"]
        try:
            written = importing.write(snapshot, chosen, fields.get("digest", ""))
        except ReconcilerError as exc:
            return self._page(request, "import.html", env, snapshot, "import", code=409,
                              candidates=importing.candidates(snapshot),
                              error=Problem.of(exc), chosen=chosen)
        self.workspace.refresh(env)
        return self._page(request, "import_done.html", env, self.workspace.snapshot(env),
                          "import", written=written)

    async def refresh(self, request: Request) -> Response:
        fields = dict(await _form(request))
        env = await run_in_threadpool(self._environment, fields.get("env") or None)
        self.workspace.refresh(env)
        return RedirectResponse(local_target(fields.get("next", "/")), status_code=303)

    # --- errors -----------------------------------------------------------------------

    def not_found(self, request: Request, exc: Exception) -> Response:
        detail = exc.detail if isinstance(exc, HTTPException) else "not found"
        status = exc.status_code if isinstance(exc, HTTPException) else 404
        return self._error(request, status, "Not found" if status == 404 else "Not allowed",
                           Problem(str(detail)))

    def user_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ReconcilerError)
        status = 404 if isinstance(exc, UnknownEnvironment) else 400
        return self._error(request, status, "Cannot show this page", Problem.of(exc))

    def crashed(self, request: Request, exc: Exception) -> Response:
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        sys.stderr.write(secrets.redact(text))
        return self._error(request, 500, "Internal error", Problem(
            "the dashboard failed to show this page (a bug: the traceback is in the terminal "
            "running reconciler ui)", hint="other pages still work; try Refresh"))

    # --- helpers ----------------------------------------------------------------------

    def _environment(self, requested: str | None) -> str | None:
        return self.workspace.choose(requested)

    def _read(self, request: Request) -> tuple[str | None, Snapshot]:
        env = self._environment(request.query_params.get("env") or None)
        return env, self.workspace.snapshot(env)

    def _page(self, request: Request, template: str, env: str | None, snapshot: Snapshot,
              active: str, *, code: int = 200, **context: Any) -> Response:
        environments = self.workspace.environments()
        page = self.templates.get_template(template).render(
            nav=NAV, active=active, env=env, environments=environments,
            csrf=self.guard.csrf, snapshot=snapshot, path=request.url.path,
            full_path=_full_path(request), url=_linker(env if environments else None),
            where=snapshot.connection.describe() if snapshot.connection else None,
            **{"error": None, "chosen": (), **context})
        return HTMLResponse(page, status_code=code)

    def _error(self, request: Request, status: int, title: str, problem: Problem) -> Response:
        page = self.templates.get_template("error.html").render(
            nav=NAV, active="", env=None, environments=[], csrf=self.guard.csrf,
            snapshot=None, path=request.url.path, full_path="/", url=_linker(None),
            where=None, title=title, problem=problem)
        return HTMLResponse(page, status_code=status)


def create_app(options: Options, guard: Guard, *, workspace: Workspace | None = None
               ) -> Starlette:
    """The dashboard as an ASGI app, every request guarded (`security`)."""
    board = Dashboard(workspace or Workspace(options), guard)
    routes = [
        Route("/", board.overview),
        Route("/resources", board.resources),
        Route("/resources/{kind}/{name}", board.resource),
        Route("/objects/{object_id}", board.live_object),
        Route("/models", board.models),
        Route("/usage", board.usage),
        Route("/import", board.import_page),
        Route("/import/review", board.import_review),
        Route("/import/write", board.import_write, methods=["POST"]),
        Route("/refresh", board.refresh, methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={
        HTTPException: board.not_found, ReconcilerError: board.user_error})
    app.add_middleware(Crashes, render=board.crashed)
    app.add_middleware(GuardMiddleware, guard=guard)  # outermost: before anything else
    return app


class Crashes:
    """Turn an exception no handler took (a bug) into the internal-error page, and keep
    serving: nothing is re-raised, so no unmasked traceback reaches the server's log."""

    def __init__(self, app: Any, render: Callable[[Request, Exception], Response]) -> None:
        self.app = app
        self.render = render

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        started = False

        async def sending(message: Any) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as exc:
            if started or scope["type"] != "http":
                raise
            response = await run_in_threadpool(self.render, Request(scope), exc)
            await response(scope, receive, send)


def _usage_charts(tables: pages.UsageTables) -> list[tuple[str, Markup]]:
    """The usage charts, each with its caption: per day and per agent, sessions, tokens and
    (when the catalog prices a model) estimated cost."""
    days = [row["day"][5:] for row in tables.days]
    agents = [row["agent"].removeprefix("Agent/") for row in tables.agents]
    money: Callable[[float], str] = lambda v: pages.cost_text(v, tables.currency)  # noqa: E731
    found = [
        ("Sessions per day", charts.columns("chart-sessions", "Sessions per day", days, [
            charts.Series("sessions", [r["sessions"] for r in tables.days])])),
        ("Sessions per agent", charts.bars("chart-agents", "Sessions per agent", agents,
                                           [r["sessions"] for r in tables.agents])),
        ("Tokens per day, in and out", charts.columns(
            "chart-tokens", "Tokens per day", days, [
                charts.Series("tokens in", [r["input_tokens"] for r in tables.days]),
                charts.Series("tokens out", [r["output_tokens"] for r in tables.days])],
            unit=_compact)),
        ("Tokens per agent, in and out", charts.bars(
            "chart-agent-tokens", "Tokens per agent", agents,
            [r["input_tokens"] + r["output_tokens"] for r in tables.agents], unit=_compact)),
    ]
    if any(r["estimated_cost"] for r in tables.agents):
        found += [
            ("Estimated cost per day", charts.columns(
                "chart-cost-days", "Estimated cost per day", days, [charts.Series(
                    "cost", [r["estimated_cost"] or 0 for r in tables.days])], unit=money)),
            ("Estimated cost per agent", charts.bars(
                "chart-cost", "Estimated cost per agent", agents,
                [r["estimated_cost"] or 0 for r in tables.agents], unit=money)),
        ]
    return found


async def _form(request: Request) -> list[tuple[str, str]]:
    """A urlencoded form's fields (checked for CSRF already by the guard)."""
    return parse_qsl((await request.body()).decode("utf-8", "replace"))


def _linker(env: str | None) -> Callable[..., str]:
    def url(path: str, **params: Any) -> str:
        chosen = [(k, str(v)) for k, v in params.items() if v not in (None, "")]
        if env is not None:
            chosen.append(("env", env))
        return path + (f"?{urlencode(chosen)}" if chosen else "")
    return url


def _full_path(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def _number(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int | float) else ""


def _compact(value: float) -> str:
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:,.0f}"


def _share(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def _when(value: str | None) -> str:
    return "-" if not value else value.replace("T", " ").removesuffix("Z")[:16]


def _moment(value: dt.datetime | int | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, int):
        value = dt.datetime.fromtimestamp(value, dt.UTC)
    return value.strftime("%Y-%m-%d %H:%M:%S UTC")
