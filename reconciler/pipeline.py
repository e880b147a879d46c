"""The one pipeline behind `plan` and `apply`: manifests -> live state -> diff -> plan.

`plan` renders the result; `apply` renders it, asks, and executes it. Only the last step
differs. Reading live state sends ceil(N/100) list requests per kind plus one for models, the
kinds in parallel.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openai

from reconciler import clock, kinds, policies, retirement
from reconciler.connection import Connection
from reconciler.diagnostics import Code, Diagnostic, Diagnostics
from reconciler.errors import ManifestError, ReconcilerError
from reconciler.kinds.model_catalog.index import catalog as catalog_of
from reconciler.manifests.loader import discover
from reconciler.manifests.project import ManifestSet, no_manifests
from reconciler.model.config import ModelWindows
from reconciler.model.desired import DesiredResource
from reconciler.plan.diff import diff
from reconciler.plan.model import Action, ActionReason, ModelCost, Plan, Price
from reconciler.plan.scope import partition
from reconciler.provider import LiveState, Provider, UnsupportedError
from reconciler.provider.sdk import call
from reconciler.retirement import Facts
from reconciler.settings import Settings, load_manifests


@dataclass
class Planned:
    """A plan and what it was made from."""

    plan: Plan
    manifests: ManifestSet
    live: LiveState
    mass_delete: str | None = None
    """Why apply must refuse it without --allow-mass-delete (None: it deletes little)."""


def providers_for(client: openai.OpenAI) -> dict[str, Provider]:
    """One provider per kind of live object, over one SDK client."""
    return {spec.kind: spec.hook("provider")(client) for spec in kinds.LIVE}


@dataclass(frozen=True)
class Sources:
    """Where live state is read from: a provider per kind, and the account's models.

    `over(client)` reads the API; a test may give in-memory providers instead."""

    providers: Mapping[str, Provider]
    models: Callable[[], list[dict[str, Any]]]

    @classmethod
    def over(cls, client: openai.OpenAI) -> Sources:
        """Read everything through one SDK client."""
        def models() -> list[dict[str, Any]]:
            page = call(lambda: client.models.list())
            return [m.model_dump(mode="json", exclude_unset=True) for m in page.data]
        return cls(providers_for(client), models)


def load_desired(settings: Settings, paths: Sequence[str], *,
                 allow_empty: bool = False) -> ManifestSet:
    """Load and validate the manifests; raise with every problem when they are invalid."""
    return valid(load_manifests(settings, paths, allow_empty=allow_empty))


def valid(manifests: ManifestSet) -> ManifestSet:
    """The manifests, unless they have errors: then raise with every problem."""
    if manifests.diagnostics.has_errors:
        raise ManifestError(manifests.diagnostics)
    return manifests


def declares_something(settings: Settings, selection: Selection) -> None:
    """Before any API is reached: PATHS that do not exist or hold no YAML file are the error
    a plan of them ends in, said first (not "no API to talk to" in a project that has no
    manifests yet). Nothing is parsed here: the plan reads the files."""
    if selection.allow_mass_delete or selection.no_delete:
        return
    paths = list(selection.paths) or settings.manifest_paths()
    diagnostics = Diagnostics()
    files = discover(paths, exclude=settings.config.exclude, diagnostics=diagnostics)
    if not files and not diagnostics.has_errors:
        no_manifests(diagnostics, paths)
    if diagnostics.has_errors:
        raise ManifestError(diagnostics)


def present_manifests(settings: Settings, *, strict: bool = True) -> ManifestSet:
    """The manifests of the configured paths that exist (none yet is an empty set); not
    `strict`, their problems are kept in their diagnostics instead of raised."""
    present = [p for p in settings.manifest_paths() if Path(p).exists()]
    if not present:
        return ManifestSet()
    manifests = load_manifests(settings, present, allow_empty=True)
    return valid(manifests) if strict else manifests


def _read_already(live: LiveState) -> Future[LiveState]:
    done: Future[LiveState] = Future()
    done.set_result(live)
    return done


def read_live(sources: Sources) -> LiveState:
    """List every object of every kind, and the models, in parallel."""
    state = LiveState()
    providers = sources.providers
    with ThreadPoolExecutor(max_workers=len(providers) + 1) as pool:
        models = pool.submit(sources.models)
        lists = {kind: pool.submit(p.read_all) for kind, p in providers.items()}
        for kind in providers:
            try:
                state.objects.extend(lists[kind].result())
            except UnsupportedError as exc:
                state.unsupported[kind] = exc.message
        state.models = {str(m["id"]): m for m in models.result()}
    return state


def replan(providers: Mapping[str, Provider], plan: Plan, live: LiveState) -> bool:
    """Let each kind read what the first plan shows it needs; whether any read (then the
    plan is made again, once: what a kind reads here never needs another plan)."""
    read = [spec.hook("replan")(providers, plan, live)
            for spec in kinds.LIVE if spec.replan is not None]
    return any(read)


def refresh(providers: Mapping[str, Provider], desired: Sequence[DesiredResource],
            live: LiveState, *, replace: Sequence[str] = (), full: bool = False) -> None:
    """Read what listing did not (a store's files), for the kinds that need it; `full`
    reads it even where a recorded digest says it is in sync (`plan --refresh=full`)."""
    for spec in kinds.LIVE:
        if spec.refresh is not None:
            spec.hook("refresh")(providers, desired, live, replace, full=full)


def check_models(desired: Sequence[DesiredResource], live: LiveState,
                 facts: Facts) -> Diagnostics:
    """Models the account does not list are errors (a shut-down one names its replacement);
    at the line that sets the model."""
    diagnostics = Diagnostics()
    for resource in desired:
        model_id = str(resource.body.get("model"))
        if model_id in live.models:
            continue
        where = resource.model_source or resource.source
        known = facts.of(model_id)
        left = known.days_left(facts.today)
        if left is not None and left <= 0:
            diagnostics.error(Code.MODEL_SHUT_DOWN, f"{resource.address}: model '{model_id}' "
                              f"was shut down on {known.shutdown_date} and is no longer "
                              "listed by the API", where, path="spec.model",
                              hint=known.move_to())
            continue
        diagnostics.error(Code.UNKNOWN_MODEL, f"{resource.address}: model '{model_id}' is not "
                          "available on this account (not in GET /v1/models)", where,
                          path="spec.model",
                          hint="`reconciler models sync` shows what the account lists; check "
                               "the id, or the project the key belongs to")
    return diagnostics


def retirement_gate(plan: Plan, manifests: ManifestSet, facts: Facts,
                    windows: ModelWindows) -> Plan:
    """The plan, once it passes the retirement gate: an error stops it (nothing is written);
    warnings, and where the catalog's dates differ from the API's, are carried by it."""
    used = [r for r in manifests.resources if kinds.get(r.kind).checks_model]
    moving = [c.address for c in plan.changes if c.action in (Action.CREATE, Action.REPLACE)
              or any(f.path == "model" for f in c.fields)]
    gate = retirement.check_resources(used, facts, windows, moving)
    if gate.has_errors:
        raise ManifestError(gate, f"the plan fails the model retirement gate "
                                  f"({gate.count_errors()} error(s)): nothing was written")
    notes = facts.disagreements(str(r.body.get("model")) for r in used)
    if not len(gate) and not notes:
        return plan
    return plan.model_copy(update={"warnings": (*plan.warnings, *notes,
                                                *map(warning_text, gate))})


@dataclass(frozen=True)
class Selection:
    """What a plan is made for: PATHS (none: the configured manifests) and the options that
    choose what it may change. A saved plan records it, and `apply FILE` plans again with
    it."""

    paths: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    replace: tuple[str, ...] = ()
    no_delete: bool = False
    prune: bool = False
    """Delete managed objects the given PATHS do not declare (always, without PATHS)."""
    allow_mass_delete: bool = False
    refresh_full: bool = False

    @classmethod
    def of(cls, plan: Plan) -> Selection:
        """The selection a (saved) plan was made with."""
        return cls(paths=plan.paths, targets=plan.targets, replace=plan.replace,
                   no_delete=plan.no_delete, prune=plan.prune,
                   allow_mass_delete=plan.allow_mass_delete, refresh_full=plan.refresh_full)


def explicit_paths(settings: Settings, paths: Sequence[str]) -> bool:
    """Whether PATHS name something other than the configured manifests (then a plan
    deletes nothing they do not declare, unless --prune: kubectl's rule)."""
    def norm(found: Sequence[str]) -> set[str]:  # real paths: a symlink is not the set
        return {os.path.realpath(p) for p in found}
    return bool(paths) and norm(paths) != norm(settings.manifest_paths())


def mass_delete(plan: Plan, managed: int, max_percent: int) -> str | None:
    """Why a plan deletes too much (None: it does not): every managed object of its scope,
    or more than `max_percent` of them."""
    deleting = sum(1 for c in plan.changes if c.action is Action.DELETE and c.action_reason in (
        ActionReason.DELETE_BECAUSE_NO_MANIFEST, ActionReason.DELETE_BECAUSE_DUPLICATE))
    if not managed or not deleting:
        return None
    share = 100 * deleting / managed
    if deleting < managed and share <= max_percent:
        return None
    what = "every one" if deleting == managed else f"{share:.0f}%, more than {max_percent}%"
    return (f"the plan deletes {deleting} of the {managed} managed objects of "
            f"{_scope_name(plan.scope)} ({what})")


PERCENT_VARIABLE = "RECONCILER_MAX_DELETE_PERCENT"
"""Set by a workflow, it beats `prune.max_delete_percent` (which a pull request may raise)."""


def max_delete_percent(settings: Settings) -> int:
    """The mass-delete threshold: the workflow's, else reconciler.yaml's."""
    pinned = os.environ.get(PERCENT_VARIABLE, "").strip()
    if pinned:
        if not pinned.isdigit() or int(pinned) > 100:
            raise ReconcilerError(f"{PERCENT_VARIABLE} must be a whole number from 0 to 100, "
                                  f"not {pinned!r}")
        return int(pinned)
    return settings.config.prune.max_delete_percent


def _gated(plan: Plan, manifests: ManifestSet, environment: str | None, facts: Facts) -> Plan:
    """The plan, once its changes meet the policies' change rules: an error stops it (plan
    and apply exit 1 before anything is written); a warning is carried by the plan."""
    gates = policies.check_plan(plan, manifests, environment, facts=facts)
    if gates.has_errors:
        raise ManifestError(gates, f"the planned changes fail the policies "
                                   f"({gates.count_errors()} error(s)): nothing was written")
    if not len(gates):
        return plan
    return plan.model_copy(update={"warnings": (*plan.warnings, *map(warning_text, gates))})


def warning_text(diagnostic: Diagnostic) -> str:
    """A diagnostic as one of a plan's warnings: where (file, line, field), then what."""
    what = f"{diagnostic.path}: {diagnostic.message}" if diagnostic.path else diagnostic.message
    if diagnostic.location is None:
        return what
    return f"{diagnostic.location}: {what}"


def priced(plan: Plan, manifests: ManifestSet) -> Plan:
    """The plan with each change that sets another model carrying both models' prices from
    the catalog, else this release's model calendar (OpenAI's list prices; a price neither
    gives stays unknown: nothing is guessed)."""
    def price(model: Any) -> Price:
        known = catalog_of(manifests).price_of(str(model))
        return Price(model=str(model), input_per_1m_tokens=known.input,
                     output_per_1m_tokens=known.output, currency=known.currency,
                     source=known.source)

    changes = []
    for change in plan.changes:
        moved = next((f for f in change.fields if f.path == "model" and f.before is not None
                      and f.after is not None), None)
        if moved is not None:
            change = change.model_copy(update={"cost": ModelCost(
                before=price(moved.before), after=price(moved.after))})
        changes.append(change)
    return plan.model_copy(update={"changes": tuple(changes)})


def _scope_name(scope: str | None) -> str:
    return f"scope {scope}" if scope else "this project"


def make_plan(settings: Settings, connection: Connection, sources: Sources,
              selection: Selection = Selection(), *, today: dt.date | None = None,
              live: LiveState | None = None) -> Planned:
    """Load, read, compare: the shared pipeline. Sends only list requests.

    The live state is read while the manifests load (both take about as long); when the
    manifests are invalid their errors are raised at once and nothing is written. Only the
    objects of the project's scope (and unmanaged ones) are planned; other scopes' are
    listed. A plan that deletes too much (`mass_delete`) carries a warning, and `apply`
    refuses it unless `allow_mass_delete`. Given `live` (a read the caller made, e.g. shared
    with an inventory), the plan uses it instead of listing again, and changes only it.
    """
    paths, replace = selection.paths, selection.replace
    scope = settings.config.scope
    pool = ThreadPoolExecutor(max_workers=1)
    reading = pool.submit(read_live, sources) if live is None else _read_already(live)
    try:
        manifests = valid(load_manifests(
            settings, paths, allow_empty=selection.allow_mass_delete or selection.no_delete,
            offline_retirement=False))
        gates = policies.check_resources(manifests, settings.environment)  # as validate does
        if gates.has_errors:
            raise ManifestError(gates)
        live = reading.result()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    ours = partition(live.objects, scope)
    live.objects = ours.ours
    for kind, reason in live.unsupported.items():  # an undeclared one is quietly empty
        if any(r.kind == kind for r in manifests.resources):
            raise ReconcilerError(f"cannot manage {kind} manifests here: {reason}",
                                  hint="remove them, or point the reconciler at a server "
                                       "that serves this API")
    refresh(sources.providers, manifests.resources, live, replace=replace,
            full=selection.refresh_full)
    facts = Facts(catalog_of(manifests), today or clock.today(), api=live.models)
    errors = check_models(
        [r for r in manifests.resources if kinds.get(r.kind).checks_model], live, facts)
    if errors.has_errors:
        raise ManifestError(errors)
    if policies.reads_model(manifests):  # judged again by the API's word
        gates = policies.check_resources(manifests, settings.environment, facts=facts)
        if gates.has_errors:
            raise ManifestError(gates)
    manifest_warnings = [warning_text(d) for d in (*manifests.diagnostics, *gates)]
    prune = selection.prune or not explicit_paths(settings, paths)

    def compare() -> Plan:
        return diff(manifests.resources, live.objects, endpoint=connection.base_url,
                    targets=selection.targets, replace=replace,
                    no_delete=selection.no_delete, scope=scope, foreign=ours.foreign,
                    prune=prune, warnings=manifest_warnings)

    plan = compare()
    if replan(sources.providers, plan, live):
        plan = compare()  # e.g. an upload an unmanaged store holds is now only detached
    plan = priced(plan, manifests)
    plan = plan.model_copy(update={"paths": tuple(paths), "prune": selection.prune,
                                   "environment": settings.environment,
                                   "allow_mass_delete": selection.allow_mass_delete,
                                   "refresh_full": selection.refresh_full})
    plan = retirement_gate(plan, manifests, facts, settings.config.models)
    plan = _gated(plan, manifests, settings.environment, facts)
    refusal = mass_delete(plan, ours.managed_count(), max_delete_percent(settings))
    if refusal and not selection.allow_mass_delete:
        plan = plan.model_copy(update={"warnings": (
            *plan.warnings, f"apply will refuse this plan: {refusal}; if that is meant, "
            "pass --allow-mass-delete")})
    return Planned(plan, manifests, live, refusal)
