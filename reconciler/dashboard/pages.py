"""What each page shows, from a snapshot: plain data for the templates, computed by the
same code as the commands (inventory rows, the plan's changes, the catalog, usage rows).

Nothing here reads the network or writes; the templates only lay it out.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from reconciler import ownership, usage
from reconciler.kinds.model_catalog.index import catalog as catalog_of
from reconciler.model.desired import DesiredResource
from reconciler.plan.model import Action, FieldChange, ResourceChange
from reconciler.provider import LiveObject
from reconciler.render import plan as render_plan
from reconciler.render import resolved as render_resolved
from reconciler.render import usage as render_usage
from reconciler.retirement import Facts, ModelFacts

from .workspace import Problem, Snapshot

STATUSES = ("in sync", "drifted", "to create", "import pending", "unmanaged", "orphaned",
            "duplicate", "other scope")
"""The status filter's choices; `scope X` (owned by scope X) is filtered as `other scope`."""
SHUTDOWN_SOON = dt.timedelta(days=365)
"""A model in use shutting down within this is a warning on the overview."""
UNUSED_WINDOW = "30d"
"""The overview names managed agents without a session in this window."""


@dataclass(frozen=True)
class Row:
    """One line of the resources table: a live object, or a manifest not created yet."""

    kind: str
    name: str
    """The live object's name field, or the manifest's name."""
    manifest: str
    status: str
    live_id: str = ""
    model: str = ""
    file: str = ""

    @property
    def category(self) -> str:
        return "other scope" if self.status.startswith("scope ") else self.status

    @property
    def href(self) -> str:
        if self.manifest and self.category not in ("unmanaged", "other scope", "duplicate"):
            return f"/resources/{quote(self.kind)}/{quote(self.manifest)}"
        return f"/objects/{quote(self.live_id, safe='')}"

    def matches(self, text: str) -> bool:
        haystack = " ".join((self.kind, self.name, self.manifest, self.live_id, self.model,
                             self.file, self.status)).lower()
        return all(word in haystack for word in text.lower().split())


def rows(snapshot: Snapshot) -> list[Row]:
    """Every live object (as `inventory` lists it) and every manifest a plan would create;
    without a live read, the manifests alone (status unknown)."""
    if snapshot.inventory is None:
        resources = snapshot.manifests.resources if snapshot.manifests else []
        return [Row(r.kind, r.name, r.name, "unknown", model=str(r.body.get("model") or ""),
                    file=r.source.file) for r in resources]
    table = [Row(r["kind"], r["name"], r["manifest"], r["status"], r["id"], r["model"],
                 r["file"]) for r in snapshot.inventory.rows]
    if snapshot.planned is not None:
        declared = {r.address: r for r in snapshot.planned.manifests.resources}
        for change in snapshot.planned.plan.changes:
            if change.action is Action.CREATE and change.address in declared:
                resource = declared[change.address]
                table.append(Row(change.kind, resource.name, resource.name, "to create",
                                 model=str(resource.body.get("model") or ""),
                                 file=resource.source.file))
    return table


def select(table: Iterable[Row], *, text: str = "", status: str = "", kind: str = ""
           ) -> list[Row]:
    """The rows that match a text (every word), a status and a kind (empty: any)."""
    return [r for r in table if (not text or r.matches(text))
            and (not status or r.category == status) and (not kind or r.kind == kind)]


def counts(table: Iterable[Row]) -> dict[str, int]:
    """Rows per status category, in the order of `STATUSES`."""
    found = dict.fromkeys(STATUSES, 0)
    for row in table:
        found[row.category] = found.get(row.category, 0) + 1
    return found


# --- overview ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Warning:
    """One line of the overview's warnings, with a page that explains it."""

    text: str
    page: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    link: str = ""
    """The link's text (what it leads to)."""


def plan_summary(snapshot: Snapshot) -> dict[str, Any] | None:
    """The plan's summary line and notes, as `reconciler plan` prints them."""
    if snapshot.planned is None:
        return None
    plan = snapshot.planned.plan
    return {"line": render_plan.summary_line(plan), "notes": render_plan.notes(plan),
            "cost": render_plan.cost_summary(plan), "changes": plan.changes}


def warnings(snapshot: Snapshot, today: dt.date,
             report: usage.Report | Problem | None) -> list[Warning]:
    """Models shutting down soon, agents nobody used, and the plan's own warnings."""
    found = [Warning(w) for w in (snapshot.planned.plan.warnings if snapshot.planned else ())]
    for model in models(snapshot, today):
        if model.used_by and model.days_left is not None \
                and model.days_left <= SHUTDOWN_SOON.days:
            users = ", ".join(model.used_by) or "no resource"
            found.append(Warning(f"{model.message} (used by {users})", "/models",
                                 link="the model catalog"))
    if isinstance(report, usage.Report):
        for unused in report.unused():
            found.append(Warning(f"{unused.agent.address} had no session in the last "
                                 f"{UNUSED_WINDOW} ({unused.agent.file or 'no manifest'})",
                                 "/usage", {"since": UNUSED_WINDOW}, link="usage"))
    elif isinstance(report, Problem):
        found.append(Warning(f"usage not shown: {report.message}", "/usage", link="usage"))
    return found


# --- one resource -----------------------------------------------------------------------


@dataclass(frozen=True)
class Detail:
    """A resource page: its manifest (resolved), its live object(s), and its change."""

    kind: str
    name: str
    status: str
    resource: DesiredResource | None = None
    live: tuple[LiveObject, ...] = ()
    changes: tuple[ResourceChange, ...] = ()

    @property
    def resolved_yaml(self) -> str:
        return render_resolved.render_yaml([self.resource]) if self.resource else ""

    def live_json(self, obj: LiveObject) -> str:
        return live_json(obj)


def live_json(obj: LiveObject) -> str:
    """A live object as the API gave it, as readable JSON."""
    return json.dumps(obj.raw, indent=2, ensure_ascii=False, sort_keys=True)


def detail(snapshot: Snapshot, kind: str, name: str) -> Detail | None:
    """The page of `Kind/name`: a manifest, or a managed live object (None: neither)."""
    address = f"{kind}/{name}"
    manifests = snapshot.manifests.resources if snapshot.manifests else []
    resource = next((r for r in manifests if r.kind == kind and r.name == name), None)
    status = next((r.status for r in rows(snapshot) if r.kind == kind and r.manifest == name
                   and r.category not in ("unmanaged", "other scope")), "unknown")
    live: list[LiveObject] = []
    if snapshot.inventory is not None:
        adopting = resource.annotations.get(ownership.ADOPT_ANNOTATION) if resource else None
        live = [o for o in snapshot.inventory.live.objects
                if str(o.address) == address or (adopting and o.id == adopting)]
    changes = tuple(c for c in snapshot.planned.plan.changes if c.address == address) if (
        snapshot.planned) else ()
    if resource is None and not live:
        return None
    return Detail(kind, name, status, resource, tuple(live), changes)


def live_object(snapshot: Snapshot, object_id: str) -> LiveObject | None:
    """A live object by its id (None: not listed)."""
    if snapshot.inventory is None:
        return None
    return next((o for o in snapshot.inventory.live.objects if o.id == object_id), None)


@dataclass(frozen=True)
class FieldRow:
    """One field of a change, for the diff table; `lines` is a text diff of long text."""

    path: str
    op: str
    before: str
    after: str
    lines: tuple[tuple[str, str], ...] = ()


def field_rows(change: ResourceChange) -> list[FieldRow]:
    """The change's fields as the plan shows them: values as JSON, long text as a diff."""
    return [_field_row(f) for f in change.fields]


def _field_row(change: FieldChange) -> FieldRow:
    before = "(not returned by the API)" if change.before_unknown else (
        "" if change.op == "add" else render_plan.show(change.before))
    after = "" if change.op == "remove" else render_plan.show(change.after)
    return FieldRow(change.path, change.op, before, after,
                    tuple(render_plan.text_diff(change) or ()))


def headline(change: ResourceChange) -> list[str]:
    """What happens to the object, and why (`# Agent/x will be updated in place (id)`)."""
    return [line.removeprefix("# ") for line in render_plan.headline(change)]


# --- models -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelRow:
    """A catalog model with its facts and the resources that use it."""

    id: str
    name: str
    capabilities: tuple[str, ...]
    context_window: int | None
    max_output_tokens: int | None
    prices: dict[str, float | None]
    currency: str
    available: bool
    listed: bool | None
    """Whether the API lists it (None: the API was not read)."""
    shutdown_on: dt.date | None
    replacement: str | None
    days_left: int | None
    message: str | None
    """Why it should not be used (deprecated, shut down), as `validate` warns."""
    used_by: tuple[str, ...] = field(default_factory=tuple)
    catalogued: bool = True


def models(snapshot: Snapshot, today: dt.date) -> list[ModelRow]:
    """Every catalog model and every model in use, with prices, days to shutdown (the API's
    word when it was read) and the replacement, and its users."""
    manifests = snapshot.manifests
    if manifests is None:
        return []
    users: dict[str, list[str]] = {}
    for resource in manifests.resources:
        if isinstance(resource.body.get("model"), str):
            users.setdefault(str(resource.body["model"]), []).append(resource.address)
    listed = snapshot.inventory.live.models if snapshot.inventory else None
    catalog = catalog_of(manifests)
    facts = Facts(catalog if catalog.declared else None, today, api=listed)
    found = []
    for model_id in [*catalog.entries, *(m for m in users if m not in catalog.entries)]:
        entry = catalog.entries.get(model_id)
        model = entry.model if entry is not None else None
        pricing = model.pricing if model is not None else None
        known = facts.of(model_id)
        left = known.days_left(today)
        found.append(ModelRow(
            id=model_id, name=(model.name if model else None) or "",
            capabilities=tuple(model.capabilities) if model else (),
            context_window=model.context_window if model else None,
            max_output_tokens=model.max_output_tokens if model else None,
            prices={"input": pricing.input_per_1m_tokens if pricing else None,
                    "cached input": pricing.cached_input_per_1m_tokens if pricing else None,
                    "output": pricing.output_per_1m_tokens if pricing else None},
            currency=pricing.currency if pricing else "USD",
            available=model.available if model else True,
            listed=None if listed is None else model_id in listed,
            shutdown_on=known.shutdown_date, replacement=known.replacement, days_left=left,
            message=_retirement(known, today, model), used_by=tuple(users.get(model_id, ())),
            catalogued=entry is not None))
    return found


def _retirement(known: ModelFacts, today: dt.date, model: Any) -> str | None:
    """Why a model should not be used, as validate and plan say it (None: it is fine)."""
    if model is not None and not model.available:
        return f"model '{known.id}' is no longer listed by the API"
    left = known.days_left(today)
    if left is None:
        if model is not None and model.deprecation is not None:
            return f"model '{known.id}' is deprecated"
        return None
    verb = "was shut down" if left <= 0 else f"shuts down in {left} day{'s' if left != 1 else ''}"
    return (f"model '{known.id}' {verb} on {known.shutdown_date} ({known.said_by} says); "
            + known.move_to())


def no_catalog(snapshot: Snapshot) -> bool:
    """Whether the manifests were read and declare no ModelCatalog."""
    return snapshot.manifests is not None and not catalog_of(snapshot.manifests).declared


def uncatalogued(snapshot: Snapshot) -> dict[str, list[str]]:
    """Models resources use that the catalog does not list (only without a catalog:
    `validate` refuses them otherwise), with their users."""
    manifests = snapshot.manifests
    if manifests is None:
        return {}
    found: dict[str, list[str]] = {}
    for resource in manifests.resources:
        model = str(resource.body.get("model") or "")
        if model and model not in catalog_of(manifests).entries:
            found.setdefault(model, []).append(resource.address)
    return found


# --- usage ------------------------------------------------------------------------------


@dataclass(frozen=True)
class UsageTables:
    """The rows of `reconciler usage --by agent|model|day`, and the total."""

    agents: list[dict[str, Any]]
    models: list[dict[str, Any]]
    days: list[dict[str, Any]]
    total: dict[str, Any]
    since: str
    until: str
    currency: str


def usage_tables(report: usage.Report) -> UsageTables:
    """The same rows `reconciler usage` prints, as values."""
    return UsageTables(agents=render_usage.rows(report, "agent"),
                       models=render_usage.rows(report, "model"),
                       days=render_usage.rows(report, "day"), total=report.total.as_dict(),
                       since=render_usage.when(report.since),
                       until=render_usage.when(report.until),
                       currency=report.currency)


def cost_text(value: float | None, currency: str) -> str:
    """An estimated cost as `reconciler usage` writes it (`~$1.25`; blank when unknown)."""
    return render_usage.cost(value, currency) or ""


def kinds_of(table: Sequence[Row]) -> list[str]:
    """The kinds present, for the kind filter."""
    return sorted({r.kind for r in table})
