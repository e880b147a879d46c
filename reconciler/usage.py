"""Usage and activity of the managed agents: their sessions in a window, summed per agent,
model and day, priced from the model catalog (an estimate), and, with an admin key, the
organization's own usage and costs for comparison.

A session counts in the window it started in (`created_at`): the Agents API lists an agent's
sessions newest first, so reading stops at the first page that reaches before the window
instead of reading an agent's whole history. `summarize` is pure; `read_sessions` and
`read_organization` are the I/O, over the SDK's own pagination, in parallel across agents,
with the client's retry policy for reads.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from reconciler.errors import ReconcilerError

FAILED = frozenset({"failed"})
"""Session statuses counted as failures (`budget_reached` stopped by a limit, not a fault)."""
PAGE = 100
"""Sessions per list request (the API's maximum)."""
WINDOW = re.compile(r"^(?P<count>[1-9][0-9]{0,3})(?P<unit>[hdw])$")
UNITS = {"h": dt.timedelta(hours=1), "d": dt.timedelta(days=1), "w": dt.timedelta(weeks=1)}
BY = ("agent", "model", "day")


def parse_window(text: str) -> dt.timedelta:
    """`30d`, `12h`, `2w`: how far back a window reaches."""
    found = WINDOW.match(text.strip())
    if found is None:
        raise ReconcilerError(f"'{text}' is not a window",
                        hint="write a number and a unit, e.g. 12h, 30d or 2w (at most 9999)")
    return int(found["count"]) * UNITS[found["unit"]]


@dataclass(frozen=True)
class Session:
    """What usage needs of one agent session."""

    id: str
    agent_id: str
    model: str
    status: str
    created_at: int
    last_active_at: int
    input_tokens: int = 0
    output_tokens: int = 0

    @classmethod
    def of(cls, raw: Any) -> Session:
        """From an SDK session: `AgentSession`, or the lighter row `read_sessions` reads."""
        agent, tokens = raw.agent, raw.usage
        return cls(id=raw.id, agent_id=agent.id if agent else "",
                   model=agent.model if agent else "", status=raw.status,
                   created_at=raw.created_at, last_active_at=raw.last_active_at or raw.created_at,
                   input_tokens=tokens.input_tokens if tokens else 0,
                   output_tokens=tokens.output_tokens if tokens else 0)


@dataclass(frozen=True)
class ManagedAgent:
    """A live agent the reconciler manages, with the manifest that declares it."""

    id: str
    name: str
    """The manifest's name (`Agent/NAME`)."""
    model: str
    file: str
    """The manifest file ("" when no manifest declares it any more)."""
    status: str
    """As `inventory` says: in sync, drifted, orphaned."""

    @property
    def address(self) -> str:
        return f"Agent/{self.name}"


@dataclass(frozen=True)
class Rate:
    """A model's catalog price per million tokens."""

    input_per_1m: float
    output_per_1m: float
    currency: str = "USD"


@dataclass
class Totals:
    """Sessions, failures, tokens, estimated cost and last activity of a group."""

    sessions: int = 0
    failed: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost: float | None = 0.0
    """Estimated from the catalog; None as soon as one session's model has no price."""
    last_active_at: int | None = None

    def add(self, session: Session, rate: Rate | None) -> None:
        self.sessions += 1
        self.failed += session.status in FAILED
        self.input_tokens += session.input_tokens
        self.output_tokens += session.output_tokens
        if rate is None:
            self.cost = None
        elif self.cost is not None:
            self.cost += (session.input_tokens * rate.input_per_1m
                          + session.output_tokens * rate.output_per_1m) / 1_000_000
        if self.last_active_at is None or session.last_active_at > self.last_active_at:
            self.last_active_at = session.last_active_at

    @property
    def failure_share(self) -> float | None:
        return self.failed / self.sessions if self.sessions else None

    def as_dict(self) -> dict[str, Any]:
        return {"sessions": self.sessions, "failed": self.failed,
                "failure_share": (round(self.failure_share, 4)
                                  if self.failure_share is not None else None),
                "input_tokens": self.input_tokens, "output_tokens": self.output_tokens,
                "estimated_cost": round(self.cost, 6) if self.cost is not None else None,
                "last_active_at": _iso(self.last_active_at)}


@dataclass(frozen=True)
class AgentUsage:
    agent: ManagedAgent
    totals: Totals


@dataclass(frozen=True)
class OrganizationUsage:
    """The organization Usage API over the same window, by model and by project."""

    tokens_by_model: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    """Input tokens, output tokens and model requests, per model."""
    cost_by_project: dict[str, float] = field(default_factory=dict)
    currency: str = "usd"
    unreachable: str | None = None
    """Why it could not be read (then nothing else is set)."""


@dataclass(frozen=True)
class Report:
    """Usage of the managed agents in [since, until)."""

    since: dt.datetime
    until: dt.datetime
    agents: tuple[AgentUsage, ...]
    by_model: dict[str, Totals]
    by_day: dict[dt.date, Totals]
    total: Totals
    currency: str
    requests: int = 0
    """List requests made to read the sessions."""
    organization: OrganizationUsage | None = None

    def unused(self) -> list[AgentUsage]:
        """Managed agents without a session in the window."""
        return [a for a in self.agents if a.totals.sessions == 0]


def summarize(agents: Sequence[ManagedAgent], sessions: Mapping[str, Iterable[Session]],
              rates: Mapping[str, Rate], since: dt.datetime, until: dt.datetime, *,
              requests: int = 0) -> Report:
    """Sum the sessions started in [since, until) per agent, model and day (UTC)."""
    start, end = since.timestamp(), until.timestamp()
    rows: list[AgentUsage] = []
    by_model: dict[str, Totals] = {}
    by_day: dict[dt.date, Totals] = {}
    total = Totals()
    for agent in agents:
        totals = Totals()
        for session in sessions.get(agent.id, ()):
            if not start <= session.created_at < end:
                continue
            rate = rates.get(session.model)
            for group in (totals, total,
                          by_model.setdefault(session.model, Totals()),
                          by_day.setdefault(_day(session.created_at), Totals())):
                group.add(session, rate)
        rows.append(AgentUsage(agent, totals))
    rows.sort(key=lambda r: (-r.totals.sessions, r.agent.name))
    currencies = {r.currency for r in rates.values()} or {"USD"}
    return Report(since=since, until=until, agents=tuple(rows),
                  by_model=dict(sorted(by_model.items())), by_day=dict(sorted(by_day.items())),
                  total=total, currency=next(iter(currencies)) if len(currencies) == 1
                  else "mixed", requests=requests)


def catalog_rates(catalog: Any) -> dict[str, Rate]:
    """The catalog's prices, for the models that have both an input and an output price."""
    rates = {}
    for model_id, entry in catalog.entries.items():
        pricing = entry.model.pricing
        if (pricing is not None and pricing.input_per_1m_tokens is not None
                and pricing.output_per_1m_tokens is not None):
            rates[model_id] = Rate(pricing.input_per_1m_tokens, pricing.output_per_1m_tokens,
                                   pricing.currency)
    return rates


# --- reading ----------------------------------------------------------------------------


def read_sessions(client: Any, agent_ids: Sequence[str], since: dt.datetime, *,
                  parallelism: int = 8) -> tuple[dict[str, list[Session]], int]:
    """Each agent's sessions started since `since`, newest first, and the requests made."""
    start = since.timestamp()

    def one(agent_id: str) -> tuple[list[Session], int]:
        found: list[Session] = []
        page = client.get_api_list(
            "/agents/sessions", model=_row_model(), page=_page_type(),
            options={"headers": {"OpenAI-Beta": "agents=v1"},
                     "params": {"agent_id": agent_id, "order": "desc", "limit": PAGE}})
        requests = 1
        while True:
            older = False
            for raw in page.data:
                session = Session.of(raw)
                if session.created_at < start:
                    older = True
                    break
                found.append(session)
            if older or not page.has_next_page():
                return found, requests
            page = page.get_next_page()  # the SDK's cursor (`after` the last id)
            requests += 1

    if not agent_ids:
        return {}, 0
    with ThreadPoolExecutor(max_workers=max(1, min(parallelism, len(agent_ids)))) as pool:
        results = dict(zip(agent_ids, pool.map(one, agent_ids), strict=True))
    return ({a: sessions for a, (sessions, _) in results.items()},
            sum(n for _, n in results.values()))


@cache
def _row_model() -> Any:
    """The fields of an `AgentSession` that usage reads, as an SDK model.

    `client.beta.agents.sessions.list` builds the SDK's whole `AgentSession` for every
    session (its agent, tools, environment, ...): 0.2 ms each, so 50,000 sessions took 10 s
    of CPU that no thread can share (bench/usage.py). The same request through the SDK's own
    `get_api_list` and cursor page with this model costs a third of that; the wire format is
    the same, and a field the API adds is ignored."""
    from openai import BaseModel

    class Tokens(BaseModel):
        input_tokens: int = 0
        output_tokens: int = 0

    class RootAgent(BaseModel):
        id: str = ""
        model: str = ""

    class SessionRow(BaseModel):
        id: str
        created_at: int
        last_active_at: int | None = None
        status: str = ""
        agent: RootAgent | None = None
        usage: Tokens | None = None

    return SessionRow


@cache
def _page_type() -> Any:
    from openai.pagination import SyncCursorPage

    return SyncCursorPage[_row_model()]  # type: ignore[misc]


def read_organization(client: Any, since: dt.datetime, until: dt.datetime
                      ) -> OrganizationUsage:
    """Completions by model and costs by project from the organization Usage API (an admin
    key's client); an answer that says it cannot be read is kept as the reason."""
    import openai

    start, end = int(since.timestamp()), math.ceil(until.timestamp())  # end: exclusive
    tokens: dict[str, tuple[int, int, int]] = {}
    costs: dict[str, float] = {}
    currency = "usd"
    try:
        for bucket in _buckets(client.admin.organization.usage.completions, start, end,
                               group_by=["model"]):
            for result in bucket.results:
                model = getattr(result, "model", None) or "(unknown)"
                before = tokens.get(model, (0, 0, 0))
                tokens[model] = (before[0] + result.input_tokens,
                                 before[1] + result.output_tokens,
                                 before[2] + result.num_model_requests)
        for bucket in _buckets(client.admin.organization.usage.costs, start, end,
                               group_by=["project_id"]):
            for result in bucket.results:
                amount = getattr(result, "amount", None)
                if amount is None or amount.value is None:
                    continue
                project = getattr(result, "project_id", None) or "(no project)"
                costs[project] = costs.get(project, 0.0) + amount.value
                currency = amount.currency or currency
    except openai.APIStatusError as exc:
        return OrganizationUsage(unreachable=f"the organization Usage API answered "
                                             f"{exc.status_code}: {_message(exc)}")
    except openai.APIConnectionError as exc:
        return OrganizationUsage(unreachable=f"the organization Usage API is not reachable: "
                                             f"{exc}")
    return OrganizationUsage(tokens_by_model=dict(sorted(tokens.items())),
                             cost_by_project=dict(sorted(costs.items())), currency=currency)


def _buckets(endpoint: Any, start: int, end: int, *, group_by: list[str]) -> Iterable[Any]:
    """Every daily bucket of a Usage API endpoint (its pages follow `next_page`; the SDK has
    no pager for these)."""
    cursor: str | None = None
    while True:
        extra = {"page": cursor} if cursor else {}
        answer = endpoint(start_time=start, end_time=end, bucket_width="1d",
                          group_by=group_by, limit=31, **extra)
        yield from answer.data
        cursor = answer.next_page
        if not answer.has_more or not cursor:
            return


def _message(exc: Any) -> str:
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error", body) if isinstance(body, dict) else {}
    text = error.get("message") if isinstance(error, dict) else None
    return str(text or exc.message)[:200]


def _day(timestamp: int) -> dt.date:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).date()


def _iso(timestamp: int | None) -> str | None:
    if timestamp is None:
        return None
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).isoformat().replace("+00:00", "Z")


# --- the managed agents and their usage -------------------------------------------------

MANAGED = ("in sync", "drifted", "orphaned", "duplicate")
"""Inventory statuses of an object the reconciler manages in this scope."""


def managed_agents(rows: Iterable[Mapping[str, Any]]) -> list[ManagedAgent]:
    """The managed agents of an inventory (`reconciler.inventory.rows`)."""
    return [ManagedAgent(id=r["id"], name=r["manifest"], model=r["model"], file=r["file"],
                         status=r["status"])
            for r in rows if r["kind"] == "Agent" and r["status"] in MANAGED]


def collect(agents: Sequence[ManagedAgent], catalog: Any, client: Any, window: dt.timedelta,
            *, now: dt.datetime | None = None, admin_client: Any = None,
            parallelism: int = 8) -> Report:
    """Read and sum the sessions of `agents` in the `window` before `now`, and, given an
    admin key's client, the organization's usage over the same window."""
    until = now or dt.datetime.now(dt.UTC)
    since = until - window
    sessions, requests = read_sessions(client, [a.id for a in agents], since,
                                       parallelism=parallelism)
    report = summarize(agents, sessions, catalog_rates(catalog), since, until,
                       requests=requests)
    if admin_client is None:
        return report
    return dataclasses.replace(report,
                               organization=read_organization(admin_client, since, until))
