"""The one pipeline behind `plan` and `apply`: manifests -> live state -> diff -> plan.

`plan` renders the result; `apply` renders it, asks, and executes it. Only the last step
differs. Reading live state sends ceil(N/100) list requests per kind plus one for models, the
kinds in parallel.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openai

from reconciler import ownership
from reconciler.connection import Connection
from reconciler.diagnostics import Code, Diagnostics
from reconciler.errors import ManifestError, ReconcilerError
from reconciler.manifests.project import ManifestSet
from reconciler.model.desired import DesiredResource
from reconciler.plan.diff import diff
from reconciler.plan.files import orphaned
from reconciler.plan.model import Plan
from reconciler.plan.normalize import files_digest
from reconciler.provider import LiveObject, Provider, UnsupportedError
from reconciler.provider.files import FileProvider, VectorStoreProvider
from reconciler.provider.openai_api import AgentProvider, AssistantProvider, call
from reconciler.settings import Settings, load_manifests


@dataclass
class LiveState:
    """Everything read from the API for one plan."""

    objects: list[LiveObject] = field(default_factory=list)
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    unsupported: dict[str, str] = field(default_factory=dict)


@dataclass
class Planned:
    """A plan and what it was made from."""

    plan: Plan
    manifests: ManifestSet
    live: LiveState


def providers_for(client: openai.OpenAI) -> dict[str, Provider]:
    """One provider per kind, over one SDK client."""
    return {"VectorStore": VectorStoreProvider(client), "Assistant": AssistantProvider(client),
            "Agent": AgentProvider(client), "File": FileProvider(client)}


def load_desired(settings: Settings, paths: Sequence[str], *,
                 allow_empty: bool = False) -> ManifestSet:
    """Load and validate the manifests; raise with every problem when they are invalid."""
    manifests = load_manifests(settings, paths, allow_empty=allow_empty)
    if manifests.diagnostics.has_errors:
        raise ManifestError(manifests.diagnostics)
    return manifests


def present_manifests(settings: Settings) -> ManifestSet:
    """The manifests of the configured paths that exist (none yet is an empty set)."""
    present = [p for p in settings.manifest_paths() if Path(p).exists()]
    return load_desired(settings, present, allow_empty=True) if present else ManifestSet()


def read_live(client: openai.OpenAI, providers: dict[str, Provider]) -> LiveState:
    """List every object of every kind, and the models, in parallel."""
    state = LiveState()
    with ThreadPoolExecutor(max_workers=len(providers) + 1) as pool:
        models = pool.submit(lambda: call(lambda: client.models.list()))
        lists = {kind: pool.submit(p.read_all) for kind, p in providers.items()}
        for kind in providers:
            try:
                state.objects.extend(lists[kind].result())
            except UnsupportedError as exc:
                state.unsupported[kind] = exc.message
        state.models = {m.id: m.model_dump(mode="json", exclude_unset=True)
                        for m in models.result().data}
    return state


def list_store_files(providers: dict[str, Provider], desired: Sequence[DesiredResource],
                     live: LiveState, *, replace: Sequence[str] = ()) -> None:
    """List the files of the managed stores that need it, in parallel, into `live`.

    A store whose digest records the declared files, with every file indexed, is in sync
    without listing them: re-planning an unchanged store of 2,000 files costs no request.
    The others are listed (100 files a request); so are all of them when our uploads
    outnumber the files the stores hold (an interrupted apply left some behind).
    """
    stores = providers.get("VectorStore")
    if not isinstance(stores, VectorStoreProvider):
        return
    wanted = {r.name: r for r in desired if r.kind == "VectorStore"}
    managed = [o for o in live.objects if o.kind == "VectorStore"
               and ownership.owner(o.raw.get("metadata")) is not None]
    replaced = {a.split("/", 1)[1] for a in replace if a.startswith("VectorStore/")}
    chosen = [o.id for o in managed if not _in_sync(o, wanted)
              or ownership.owner(o.raw.get("metadata")) in replaced]
    _list_files(stores, live, set(chosen))
    uploads = [o for o in live.objects if o.kind == "File"]
    assistants = [o for o in live.objects if o.kind == "Assistant"]
    managed_ids = {m.id for m in managed}
    listed = [o for o in live.objects if o.id in managed_ids]
    if orphaned(uploads, listed, assistants) is None:
        _list_files(stores, live, {o.id for o in listed if o.files is None})


def _in_sync(store: LiveObject, wanted: dict[str, DesiredResource]) -> bool:
    resource = wanted.get(str(ownership.owner(store.raw.get("metadata"))))
    if resource is None or store.raw.get("status") == "expired":
        return False
    recorded = ownership.recorded_files(
        (store.raw.get("metadata") or {}).get(ownership.DIGEST_KEY))
    counts = store.raw.get("file_counts") or {}
    count = len(resource.files)
    return (recorded == files_digest(resource) and counts.get("completed") == count
            and counts.get("total") == count)


def _list_files(stores: VectorStoreProvider, live: LiveState, ids: set[str]) -> None:
    if not ids:
        return
    with ThreadPoolExecutor(max_workers=min(8, len(ids))) as pool:
        listed = dict(zip(sorted(ids), pool.map(stores.list_files, sorted(ids)), strict=True))
    live.objects = [o.model_copy(update={"files": tuple(listed[o.id])}) if o.id in listed
                    else o for o in live.objects]


def check_models(desired: Sequence[DesiredResource], live: LiveState,
                 today: dt.date) -> tuple[Diagnostics, list[str]]:
    """Models the account does not have are errors; shut-down dates give warnings."""
    diagnostics = Diagnostics()
    warnings: list[str] = []
    for resource in desired:
        model_id = resource.body.get("model")
        model = live.models.get(str(model_id))
        if model is None:
            diagnostics.error(Code.UNKNOWN_MODEL, f"model '{model_id}' is not available on this "
                              "account (not in GET /v1/models)", resource.source,
                              path="spec.model")
            continue
        shutdown = model.get("shutdown_date")
        if shutdown:
            verb = "was shut down" if dt.date.fromisoformat(shutdown) <= today else "shuts down"
            warnings.append(f"{resource.kind}/{resource.name}: model '{model_id}' {verb} on "
                            f"{shutdown} (the API says)")
    return diagnostics, warnings


def make_plan(settings: Settings, connection: Connection, client: openai.OpenAI,
              paths: Sequence[str], *, targets: Sequence[str] = (),
              replace: Sequence[str] = (), no_delete: bool = False,
              allow_empty: bool = False, today: dt.date | None = None) -> Planned:
    """Load, read, compare: the shared pipeline. Sends only list requests.

    The live state is read while the manifests load (both take about as long); when the
    manifests are invalid their errors are raised at once and nothing is written.
    """
    # Objects created by the imports (the SDK's types are many) live as long as the
    # process: freezing them spares every later full collection from rescanning them,
    # which halves the time to load 1,000 manifests.
    gc.freeze()
    providers = providers_for(client)
    pool = ThreadPoolExecutor(max_workers=1)
    reading = pool.submit(read_live, client, providers)
    try:
        manifests = load_desired(settings, paths, allow_empty=allow_empty or no_delete)
        live = reading.result()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    for kind, reason in live.unsupported.items():
        if any(r.kind == kind for r in manifests.resources):
            raise ReconcilerError(f"cannot manage {kind} manifests here: {reason}",
                                  hint="remove them, or point the reconciler at a server "
                                       "that serves this API")
    list_store_files(providers, manifests.resources, live, replace=replace)
    errors, warnings = check_models(
        [r for r in manifests.resources if r.kind != "VectorStore"], live,
        today or dt.date.today())
    if errors.has_errors:
        raise ManifestError(errors)
    manifest_warnings = [f"{d.location}: {d.message}" for d in manifests.diagnostics]
    plan = diff(manifests.resources, live.objects, endpoint=connection.base_url,
                targets=targets, replace=replace, no_delete=no_delete,
                warnings=[*manifest_warnings, *warnings,
                          *(f"{k}: {v}" for k, v in live.unsupported.items())])
    return Planned(plan, manifests, live)
