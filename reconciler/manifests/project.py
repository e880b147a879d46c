"""Load a manifest tree into validated, resolved desired state, collecting every problem.

Order: read files -> check each document's envelope and structure -> index tools, templates
and the model catalog -> resolve each assistant and agent (templates, variables, tools,
permissions, model). A document with structural errors is reported and left out of the later
stages, and references to it are not reported again as unknown.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

from pydantic import BaseModel, ValidationError

from reconciler import clock
from reconciler.boundary import ProjectRoot, common_folder
from reconciler.diagnostics import Code, Diagnostics, Location, format_path
from reconciler.manifests import structure
from reconciler.manifests.loader import SourceDocument, discover, display_path, load_file
from reconciler.manifests.overlay import Overlay
from reconciler.manifests.structure import did_you_mean
from reconciler.model.config import ModelWindows
from reconciler.model.desired import DesiredResource
from reconciler.model.kindspec import FileUse, registry

T = TypeVar("T")


@dataclass(frozen=True)
class Loaded:
    """A document that passed structural validation, with its typed manifest."""

    doc: SourceDocument
    kind: str
    name: str
    manifest: Any


@dataclass
class ManifestSet:
    """Everything the manifests declare, resolved, with every problem found."""

    files: list[str] = field(default_factory=list)
    documents: int = 0
    resources: list[DesiredResource] = field(default_factory=list)
    indexes: dict[str, Any] = field(default_factory=dict)
    """What each kind's `index` hook recorded, by kind. A kind reads its own through its
    index module (`kinds.tool.index.entries(manifests)`, `kinds.model_catalog.index.catalog`,
    ...): the loader knows no kind's index."""
    declared: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    """The names each kind's manifests declare (valid or not)."""
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    overlay: Overlay | None = None
    """The environment it was resolved in (None: none)."""

    def index_of(self, kind: str, empty: Callable[[], T]) -> T:
        """The index `kind` recorded (`empty()` until it records one): the one way a kind's
        index module reads and writes its own shape."""
        if kind not in self.indexes:
            self.indexes[kind] = empty()
        return cast(T, self.indexes[kind])


@dataclass
class ResolveContext:
    """What a kind's `resolve` hook is given: the indexed manifests, the project, and the
    environment; each hook resolves one document against it."""

    result: ManifestSet
    unusable: Mapping[str, set[str]]
    """By kind, declared names that cannot be used: invalid, or refused once all of the
    kind's documents were indexed (a template in an `extends` cycle)."""
    invalid: Mapping[str, set[str]]
    """By kind, the names of documents that failed their checks."""
    today: dt.date
    root: ProjectRoot
    overlay: Overlay | None = None
    models: ModelWindows | None = None
    cache: dict[str, Any] = field(default_factory=dict)
    """Where a kind's resolver may keep what it builds once per load."""

    @property
    def diagnostics(self) -> Diagnostics:
        return self.result.diagnostics


def no_manifests(diagnostics: Diagnostics, paths: Sequence[str]) -> None:
    """The error of PATHS that hold no YAML file."""
    diagnostics.error(Code.NO_MANIFESTS, "no YAML files found in " + ", ".join(paths),
                      hint="check the paths; with nothing declared, a plan would delete "
                           "every managed object")


def load_manifest_set(
    paths: Iterable[str], *, exclude: Sequence[str] = (), today: dt.date | None = None,
    root: Path | None = None, allow_empty: bool = False, overlay: Overlay | None = None,
    models: ModelWindows | None = None, texts: Mapping[Path, str] | None = None,
) -> ManifestSet:
    """Read, validate and resolve every manifest under `paths` (in an environment, with its
    `overlay` applied to every assistant and agent).

    With `models` (the retirement windows), each model in use is judged by what the catalog
    and this release's calendar say of its shutdown (`retirement`); a plan, which reads the
    API's word, passes None and judges after reading.

    Every file a manifest names must lie inside `root` (default: the folder the paths share,
    see `settings.project_root`). Finding no manifest at all is an error (a plan of nothing
    would delete every managed object) unless `allow_empty` (`import` into a new project).
    """
    paths = list(paths)
    result = ManifestSet(overlay=overlay)
    diagnostics = result.diagnostics
    boundary = ProjectRoot.at(root if root is not None else common_folder(paths))
    files = _inside(boundary, discover(paths, exclude=exclude, diagnostics=diagnostics,
                                        root=boundary),
                    diagnostics)
    result.files = [str(f) for f in files]
    if not files and not diagnostics.has_errors and not allow_empty:
        no_manifests(diagnostics, paths)
    loaded: list[Loaded] = []
    invalid: dict[str, set[str]] = defaultdict(set)
    for file in files:
        for doc in load_file(file, diagnostics, (texts or {}).get(file)):
            result.documents += 1
            item = _check_document(doc, diagnostics)
            if item is None:
                _remember_invalid(doc, invalid)
            else:
                loaded.append(item)
    if files and not result.documents and not diagnostics.has_errors and not allow_empty:
        diagnostics.error(Code.NO_MANIFESTS, "no manifest in " + ", ".join(paths) + ": the "
                          "YAML files found hold no document",
                          hint="check the paths; with nothing declared, a plan would delete "
                               "every managed object")
    unique = _without_duplicates(loaded, diagnostics)
    for item in unique:
        if registry().get(item.kind).index is not None:
            registry().get(item.kind).hook("index")(result, item, diagnostics)
    unusable: dict[str, set[str]] = defaultdict(set)
    for spec in registry().DECLARED:
        unusable[spec.kind] = set(invalid[spec.kind])
        if spec.indexed is not None:
            unusable[spec.kind] |= spec.hook("indexed")(result, diagnostics)
    context = ResolveContext(result, unusable, invalid, today or clock.today(), boundary,
                             overlay, models)
    for item in unique:
        result.declared[item.kind].add(item.name)
    for kind, names in invalid.items():
        result.declared[kind] |= names
    for item in unique:
        spec = registry().get(item.kind)
        if spec.resolve is not None:
            desired = spec.hook("resolve")(context, item)
            if desired is not None:
                result.resources.append(desired)
    _unused_stores(result.resources, diagnostics)
    return result


def _unused_stores(resources: list[DesiredResource], diagnostics: Diagnostics) -> None:
    """A store no resource of the set uses is a warning: it is paid for and searched by
    nobody (only an Assistant's file_search uses one; the Agents API has no file_search)."""
    used = {name for resource in resources for name in resource.store_refs}
    for store in resources:
        if registry().get(store.kind).files is FileUse.STORE and store.name not in used:
            diagnostics.warning(
                Code.UNUSED_VECTOR_STORE, f"{store.address} is used by no resource of these "
                "manifests", store.source, path="metadata.name",
                hint="only an Assistant's file_search reads a vector store (the Agents API "
                     "has none): reference it in tool_resources.file_search.vector_stores, "
                     "or remove it")


def _inside(root: ProjectRoot, files: list[Path], diagnostics: Diagnostics) -> list[Path]:
    """The manifest files inside the project; the others (reached through a symbolic link,
    or given outside it) are errors and never read."""
    for file in files:
        if not root.contains(file):
            diagnostics.error(Code.PATH_OUTSIDE_PROJECT, f"the manifest file {display_path(file)}"
                              f" lies outside the project ({display_path(root.path)})",
                              Location(file=display_path(file)),
                              hint="manifests are read only inside the project: the folder of "
                                   "reconciler.yaml, or the folder given on the command line")
    return [f for f in files if root.contains(f)]


def _check_document(doc: SourceDocument, diagnostics: Diagnostics) -> Loaded | None:
    data = doc.data
    if not _envelope_ok(doc, diagnostics):
        return None
    kind = data["kind"]
    try:
        manifest: Any = _manifest(kind).model_validate_json(json.dumps(data), strict=True)
    except ValidationError as exc:
        _explain(doc, kind, exc, diagnostics)
        return None
    return Loaded(doc, kind, manifest.metadata.name, manifest)


def _manifest(kind: str) -> type[BaseModel]:
    model = registry().get(kind).manifest
    assert model is not None
    return model


def _explain(doc: SourceDocument, kind: str, exc: ValidationError,
             diagnostics: Diagnostics) -> None:
    """Report why a document is invalid, in the published schema's terms, with positions.

    The model (fast, in Rust) decides; the schema (generated from the same model) explains.
    Should they ever disagree, the model's own errors are reported.
    """
    issues = [cross_kind_hint(kind, i) for i in structure.check(_manifest(kind), doc.data)]
    for issue in issues:
        diagnostics.error(issue.code, issue.message, doc.locate(issue.path),
                          path=format_path(issue.path), hint=issue.hint)
    if issues:
        return
    for error in exc.errors():
        path = tuple(p for p in error["loc"] if isinstance(p, str | int))
        diagnostics.error(Code.INVALID_VALUE, error["msg"], doc.locate(path),
                          path=format_path(path))


def _envelope_ok(doc: SourceDocument, diagnostics: Diagnostics) -> bool:
    data = doc.data
    ok = True
    api = data.get("apiVersion")
    if api is None:
        diagnostics.error(Code.MISSING_FIELD, "missing required field 'apiVersion'",
                          doc.locate(()), path="apiVersion",
                          hint=f"add apiVersion: {registry().API_VERSIONS[-1]}")
        ok = False
    elif api not in registry().API_VERSIONS:
        diagnostics.error(Code.UNKNOWN_API_VERSION, f"unknown apiVersion '{api}'",
                          doc.locate(("apiVersion",)), path="apiVersion",
                          hint="supported: " + ", ".join(registry().API_VERSIONS))
        ok = False
    kind = data.get("kind")
    if kind is None:
        diagnostics.error(Code.MISSING_FIELD, "missing required field 'kind'", doc.locate(()),
                          path="kind", hint="one of: " + ", ".join(registry().names()))
        ok = False
    elif kind not in registry().names():
        diagnostics.error(Code.UNKNOWN_KIND, f"unknown kind '{kind}'", doc.locate(("kind",)),
                          path="kind", hint=did_you_mean(str(kind), registry().names())
                          or "one of: " + ", ".join(registry().names()))
        ok = False
    return ok


def cross_kind_hint(kind: str, issue: structure.Issue, prefix: tuple[str, ...] = ("spec",)
                     ) -> structure.Issue:
    """Explain an unknown field that belongs to another kind with tools (Assistant, Agent)."""
    dialect = registry().get(kind).tools
    if issue.code is not Code.UNKNOWN_FIELD or dialect is None or issue.path[:-1] != prefix:
        return issue
    name = str(issue.path[-1])
    other = next((s.kind for s in registry().RESOURCES if s.tools is not None and s.kind != kind
                  and name in s.body_fields), None)
    if other is None:
        return issue
    return structure.Issue(issue.code, issue.path, issue.message,
                           f"'{name}' is a field of {other} manifests; the {dialect.api_name} "
                           "has no such field")


def _remember_invalid(doc: SourceDocument, invalid: dict[str, set[str]]) -> None:
    metadata = doc.data.get("metadata")
    if isinstance(metadata, dict) and isinstance(metadata.get("name"), str):
        invalid[str(doc.data.get("kind"))].add(metadata["name"])


def _without_duplicates(loaded: list[Loaded], diagnostics: Diagnostics) -> list[Loaded]:
    first: dict[tuple[str, str], Loaded] = {}
    unique = []
    for item in loaded:
        key = (item.kind, item.name)
        if key in first:
            diagnostics.error(
                Code.DUPLICATE_NAME, f"another {item.kind} is already named '{item.name}'",
                item.doc.locate(("metadata", "name")), path="metadata.name",
                hint=f"first defined at {first[key].doc.locate(('metadata', 'name'))}")
            continue
        first[key] = item
        unique.append(item)
    return unique
