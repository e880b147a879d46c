"""What the rest of the reconciler knows about a kind: one typed `KindSpec` each.

A kind's folder (`reconciler/kinds/<kind>/`) defines its manifest model and its `KIND`; the
registry (`reconciler/kinds/__init__.py`) collects them. Loading, schemas, normalising,
diffing, the engine, rendering, import, inventory and the CLI loop over the registry instead
of branching on kind names.

Hooks that need heavy modules (the SDK for providers, the manifest resolver) are named as
`"module:attribute"` and imported on first use, so that `reconciler --help` and `validate`
never import the SDK.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from typing import Any, NamedTuple, Protocol, cast

from pydantic import BaseModel


class FileUse(StrEnum):
    """How a kind holds repository files (`kinds.declared_files`, `plan.files`,
    `apply.filesync`)."""

    NONE = "none"
    STORE = "store"
    """Attached to the object, each with attributes and chunking (a vector store)."""
    CODE = "code"
    """Upload ids in `tool_resources.code_interpreter.file_ids` (an assistant)."""
    UPLOAD = "upload"
    """It is an upload of ours: a repository file's content, held by the others."""


class UpdateMode(StrEnum):
    """What a kind's update request replaces (`plan.diff` builds the body it sends)."""

    PARTIAL = "partial"
    """The API merges the body into the object: an update sends only the fields that change
    (with the ownership marks), and every other field stays as it is live."""
    WHOLE = "whole"
    """An update is a whole new version (a skill's `versions.create`, an API that replaces
    the object): the body holds every field of the desired state, so the executor sends it
    as planned, with no read of the live object first and no race with one."""


@dataclass(frozen=True)
class Listing:
    """What reading a kind's live objects costs a plan: the promise its provider's
    `read_all` keeps, which the contract test and `bench/plan_apply.py` count."""

    path: str
    """The list request's path, e.g. `/v1/assistants`."""
    page_size: int = 100
    """Objects a page holds: N objects take ceil(N / page_size) list requests (one at 0)."""
    per_object: str | None = None
    """What a plan reads for each object beyond the lists, and when (None: nothing)."""

    def requests(self, count: int) -> int:
        """The list requests that read `count` objects."""
        return max(1, -(-count // self.page_size))


@dataclass(frozen=True)
class ToolDialect:
    """How one API wants the tools a manifest references."""

    api_name: str
    """The API's name in messages, e.g. `Agents API`."""
    types: tuple[str, ...]
    """Tool types it supports."""
    function: str
    """`module:function(spec, name) -> dict`: a function Tool as this API expects it."""
    builtin: str
    """`module:function(spec) -> dict`: a built-in tool as this API expects it."""
    agent_only_function_options: bool = False
    """Whether function options that only the Agents API has are errors here."""


@dataclass(frozen=True)
class KindSpec:
    """Everything particular to one kind, in one place."""

    kind: str
    """The manifest's `kind`, and the kind of its live objects."""
    manifest: type[BaseModel] | None
    """The manifest model (None: not declared by manifests, e.g. uploads)."""
    spec_model: type[BaseModel] | None = None
    """The model of `spec`, checked again once templates and variables are applied."""
    body_fields: tuple[str, ...] = ()
    """The API fields of its live objects, in the API's order."""
    plan_order: int | None = None
    """Its place when resources are planned and shown (None: manifests never make one)."""
    defaults: Mapping[str, Any] = field(default_factory=dict)
    """The API default of every body field: an omitted field means this."""
    normalize: Callable[[dict[str, Any]], None] | None = None
    """Bring a comparable form (defaults filled in) to its canonical shape, in place."""
    float_fields: tuple[str, ...] = ()
    volatile: tuple[str, ...] = ()
    """Fields the server changes by itself (they never count as drift)."""
    force_new: tuple[str, ...] = ()
    """Fields the API cannot change in place: a change means replace."""
    null_on_create: bool = True
    """Whether a create may send null fields (some APIs take null only on update)."""
    update: UpdateMode = UpdateMode.PARTIAL
    """Whether its API's update takes the fields that change or a whole new version."""
    provider: str | None = None
    """`module:Class` of its provider over the SDK (None: no live objects)."""
    listing: Listing | None = None
    """What reading its live objects costs (every kind with a provider declares it)."""
    hides: str | None = None
    """`module:function(metadata) -> bool`: objects its API lists that are not of this kind
    (the apply lock's vector stores): its provider never reads them, so no plan, inventory
    or import sees them."""
    checks_model: bool = False
    """Whether its `model` must be one the account lists."""
    shown_on_delete: tuple[str, ...] = ("name", "model")
    """Fields a plan shows for a delete."""
    resolve: str | None = None
    """`module:function(context, item) -> DesiredResource | None`: its desired state (the
    `ResolveContext` of the load)."""
    references: str | None = None
    """`module:function(resolver, merged, values) -> (files, store names) | None`: take its
    references to repository files and other manifests out of its API fields, checked."""
    index: str | None = None
    """`module:function(result, item, diagnostics)`: record it for the others to use, in
    `result.indexes[kind]` (the kind's own shape, read through its own module)."""
    indexed: str | None = None
    """`module:function(result, diagnostics) -> set[str]`: once every document of every kind
    is indexed, check across them (templates' `extends` chains); the names that cannot be
    used."""
    tools: ToolDialect | None = None
    """How it sends tools, if it has any."""
    files: FileUse = FileUse.NONE
    refresh: str | None = None
    """`module:function(providers, desired, live, replace, *, full)`: what `read_all` did not
    read (`full`: even where a recorded digest vouches for it)."""
    replan: str | None = None
    """`module:function(providers, plan, live) -> bool`: once a first plan is made, read what
    it shows is needed (the files of unmanaged stores when it deletes an upload) into `live`;
    true when it read anything, and the plan is made again."""
    importer: str | None = None
    """`module:function(raw, name, tool_ref) -> spec`: a manifest's spec from a live object."""
    import_folder: str | None = None
    """Where `import` writes its manifests (None: it is not imported)."""
    plural: str = ""
    """How people call several of them, e.g. `vector stores`."""

    @property
    def declared(self) -> bool:
        """Whether manifests declare it."""
        return self.manifest is not None

    @property
    def resource(self) -> bool:
        """Whether its manifests become live objects."""
        return self.plan_order is not None

    def hook(self, name: str) -> Any:
        """The hook named by one of the `module:attribute` fields."""
        reference = getattr(self, name)
        if reference is None:
            raise LookupError(f"{self.kind} has no {name}")
        return load(reference)


@cache
def load(reference: str) -> Any:
    """Import `module:attribute`."""
    module, _, attribute = reference.partition(":")
    return getattr(importlib.import_module(module), attribute)


HOOK_PARAMETERS: Mapping[str, tuple[str, ...]] = {
    "provider": ("client",),
    "resolve": ("context", "item"),
    "references": ("resolver", "merged", "values"),
    "index": ("result", "item", "diagnostics"),
    "indexed": ("result", "diagnostics"),
    "refresh": ("providers", "desired", "live", "replace", "full"),
    "replan": ("providers", "plan", "live"),
    "hides": ("metadata",),
    "importer": ("raw", "name", "tool_ref"),
}
"""The parameters each `module:attribute` hook takes, by name (a class: its constructor's).
The hooks stay strings so that a command imports only the kinds' code it runs; a test loads
every hook of every kind and checks it takes exactly these (tests/test_kinds_contract.py)."""


class Address(NamedTuple):
    """Where a resource is: its kind and manifest name, shown as `KIND/NAME`."""

    kind: str
    name: str

    def __str__(self) -> str:
        return f"{self.kind}/{self.name}"

    @classmethod
    def parse(cls, text: str) -> Address:
        """`KIND/NAME` as an address (a text without `/` is a kind with an empty name)."""
        kind, _, name = text.partition("/")
        return cls(kind, name)


# --- the registry, as the core sees it ----------------------------------------------------

REGISTRY_MODULE = "reconciler.kinds"


class Registry(Protocol):
    """What `reconciler.kinds` (the registry: one line per kind) offers the core."""

    API_VERSIONS: tuple[str, ...]
    REGISTRY: tuple[KindSpec, ...]
    DECLARED: tuple[KindSpec, ...]
    RESOURCES: tuple[KindSpec, ...]
    LIVE: tuple[KindSpec, ...]

    def get(self, kind: str) -> KindSpec: ...
    def names(self, specs: tuple[KindSpec, ...] = ...) -> tuple[str, ...]: ...


@cache
def registry() -> Registry:
    """The registry of kinds, found by its name: the core (manifests, plan, model) looks
    kinds up through this contract and never imports a kind, so the kinds sit above it
    (docs/contributing.md, "Adding a kind"; the layers are checked by import-linter)."""
    return cast(Registry, importlib.import_module(REGISTRY_MODULE))
