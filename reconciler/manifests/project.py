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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from reconciler import clock, kinds
from reconciler.diagnostics import Code, Diagnostics, Location, format_path
from reconciler.kinds import API_VERSIONS
from reconciler.kinds.model_catalog.catalog import Catalog
from reconciler.kinds.tool.references import ToolEntry, resolve_tools
from reconciler.manifests import structure
from reconciler.manifests.jsonschema_rules import strict_problems
from reconciler.manifests.lifecycle import check_ignore_changes
from reconciler.manifests.loader import SourceDocument, discover, display_path, load_file
from reconciler.manifests.overlay import Overlay
from reconciler.manifests.structure import did_you_mean
from reconciler.manifests.templates import (
    Merged,
    TemplateEntry,
    chain_of,
    check_templates,
    merge_layer,
    merge_resource,
    substitute,
)
from reconciler.model.common import Lifecycle
from reconciler.model.config import ModelWindows
from reconciler.model.desired import DesiredFile, DesiredResource
from reconciler.repofiles.boundary import ProjectRoot, common_folder
from reconciler.retirement import Facts, accepts, judge, unsupported


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
    tools: dict[str, ToolEntry] = field(default_factory=dict)
    templates: dict[str, TemplateEntry] = field(default_factory=dict)
    catalog: Catalog = field(default_factory=Catalog)
    declared: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    """The names each kind's manifests declare (valid or not)."""
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    policies: dict[str, list[Any]] = field(default_factory=dict)
    """Each Policy manifest's rules (`kinds.policy.index.Rule`), by its name."""
    overlay: Overlay | None = None
    """The environment it was resolved in (None: none)."""


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
        diagnostics.error(Code.NO_MANIFESTS, "no YAML files found in " + ", ".join(paths),
                          hint="check the paths; with nothing declared, a plan would delete "
                               "every managed object")
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
    unique = _without_duplicates(loaded, diagnostics)
    for item in unique:
        if kinds.get(item.kind).index is not None:
            kinds.get(item.kind).hook("index")(result, item, diagnostics)
    broken = check_templates(result.templates, diagnostics) | invalid["Template"]
    resolver = Resolver(result, broken, invalid, today or clock.today(), boundary, overlay,
                        models)
    for item in unique:
        result.declared[item.kind].add(item.name)
    for kind, names in invalid.items():
        result.declared[kind] |= names
    for item in unique:
        spec = kinds.get(item.kind)
        if spec.resolve is not None:
            desired = spec.hook("resolve")(resolver, item)
            if desired is not None:
                result.resources.append(desired)
    return result


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
    model = kinds.get(kind).manifest
    assert model is not None
    return model


def _explain(doc: SourceDocument, kind: str, exc: ValidationError,
             diagnostics: Diagnostics) -> None:
    """Report why a document is invalid, in the published schema's terms, with positions.

    The model (fast, in Rust) decides; the schema (generated from the same model) explains.
    Should they ever disagree, the model's own errors are reported.
    """
    issues = [_cross_kind_hint(kind, i) for i in structure.check(_manifest(kind), doc.data)]
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
                          hint=f"add apiVersion: {API_VERSIONS[-1]}")
        ok = False
    elif api not in API_VERSIONS:
        diagnostics.error(Code.UNKNOWN_API_VERSION, f"unknown apiVersion '{api}'",
                          doc.locate(("apiVersion",)), path="apiVersion",
                          hint="supported: " + ", ".join(API_VERSIONS))
        ok = False
    kind = data.get("kind")
    if kind is None:
        diagnostics.error(Code.MISSING_FIELD, "missing required field 'kind'", doc.locate(()),
                          path="kind", hint="one of: " + ", ".join(kinds.names()))
        ok = False
    elif kind not in kinds.names():
        diagnostics.error(Code.UNKNOWN_KIND, f"unknown kind '{kind}'", doc.locate(("kind",)),
                          path="kind", hint=did_you_mean(str(kind), kinds.names())
                          or "one of: " + ", ".join(kinds.names()))
        ok = False
    return ok


def _cross_kind_hint(kind: str, issue: structure.Issue, prefix: tuple[str, ...] = ("spec",)
                     ) -> structure.Issue:
    """Explain an unknown field that belongs to another kind with tools (Assistant, Agent)."""
    dialect = kinds.get(kind).tools
    if issue.code is not Code.UNKNOWN_FIELD or dialect is None or issue.path[:-1] != prefix:
        return issue
    name = str(issue.path[-1])
    other = next((s.kind for s in kinds.RESOURCES if s.tools is not None and s.kind != kind
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


def resolve_templated(resolver: Resolver, item: Loaded) -> DesiredResource | None:
    """The desired state of an assistant or agent: templates, variables, tools, model."""
    return resolver.resolve(item)


class Resolver:
    """Resolves assistants and agents against the indexed tools, templates and catalog."""

    def __init__(self, result: ManifestSet, broken: set[str], invalid: Mapping[str, set[str]],
                 today: dt.date, root: ProjectRoot, overlay: Overlay | None = None,
                 models: ModelWindows | None = None) -> None:
        self.result = result
        self.models = models
        self.facts = Facts(result.catalog, today)
        self.overlay = overlay
        self.root = root
        self.diagnostics = result.diagnostics
        self.broken = broken
        self.invalid = invalid
        self.today = today

    def _overlay(self, merged: Merged) -> bool:
        """Apply the environment's labels, variables and overrides; whether any override
        applied (its fields are then checked where they are, in reconciler.yaml)."""
        overlay = self.overlay
        if overlay is None:
            return False
        merged.labels.update(overlay.labels)
        merged.vars.update(overlay.vars)
        applied = False
        for index, override in enumerate(overlay.overrides):
            if override.selector.matches(merged.labels) and overlay.document is not None:
                merge_layer(merged, override.spec, overlay.document,
                            overlay.override_path(index))
                applied = True
        return applied

    def resolve(self, item: Loaded) -> DesiredResource | None:
        """Return the desired state of one assistant or agent, or None if it has errors."""
        chain = self._chain(item)
        if chain is None:
            return None
        errors = self.diagnostics.count_errors()
        merged = merge_resource(item.doc, chain, item.manifest.metadata.labels)
        overridden = self._overlay(merged)
        filled = substitute(merged, item.doc.data["spec"].get("vars", {}), self.diagnostics,
                            item.doc)
        self._check_merged(item, merged, from_template=bool(chain) or overridden,
                           recheck=bool(chain) or filled or overridden)
        if self.diagnostics.count_errors() > errors:
            return None
        spec = merged.spec
        model_source = merged.provenance.locate(("model",))
        self.result.catalog.check(spec["model"], model_source, self.diagnostics)
        if self.models is not None:
            judge(self.facts.of(spec["model"]), self.models, self.today, model_source,
                  self.diagnostics)
        self._check_model_settings(item.kind, merged)
        tools = resolve_tools(
            item.kind, f"{item.kind}/{item.name}", spec.get("tools") or [], merged.provenance,
            merged.labels, self.result.tools, self.diagnostics,
            invalid=self.invalid.get("Tool", set()))
        self._check_response_format(merged)
        check_ignore_changes(item.kind, merged.spec, self.diagnostics,
                             lambda path: _origin(merged.provenance.origin(path)))
        values = {**spec, "name": spec.get("name", item.name)}
        spec_of_kind = kinds.get(item.kind)
        references: tuple[list[DesiredFile], list[str]] | None = ([], [])
        if spec_of_kind.references is not None:
            references = spec_of_kind.hook("references")(self, merged, values)
        if self.diagnostics.count_errors() > errors or references is None:
            return None
        if "tools" in spec:
            values["tools"] = tools.definitions
        body = {k: values[k] for k in spec_of_kind.body_fields if k in values}
        return DesiredResource(
            kind=item.kind, name=item.name, labels=merged.labels,
            annotations=dict(item.manifest.metadata.annotations),
            lifecycle=Lifecycle.model_validate(spec.get("lifecycle") or {}),
            source=item.doc.locate(()), body=body, model_source=model_source,
            tool_names=tools.names,
            template=item.doc.data["spec"].get("template"), files=tuple(references[0]),
            store_refs=tuple(references[1]),
        )

    def _check_model_settings(self, kind: str, merged: Merged) -> None:
        """Warn of settings the model does not accept (sampling on a reasoning model, an
        effort it does not offer), at the line that sets each."""
        model = merged.spec["model"]
        entries = self.result.catalog.entries
        what = accepts(model, {e: m.model.capabilities for e, m in entries.items()},
                       {e: m.model.reasoning_efforts for e, m in entries.items()})
        for path, problem in unsupported(kind, merged.spec, model, what):
            origin = merged.provenance.origin(path)
            self.diagnostics.warning(
                Code.UNSUPPORTED_SETTING, problem, origin.doc.locate(origin.path),
                path=format_path(origin.path),
                hint="the API refuses it on this model; remove or change it")

    def _chain(self, item: Loaded) -> list[TemplateEntry] | None:
        name = item.doc.data["spec"].get("template")
        if name is None:
            return []
        if name in self.broken:
            return None
        if name not in self.result.templates:
            self.diagnostics.error(
                Code.UNKNOWN_TEMPLATE, f"no Template manifest is named '{name}'",
                item.doc.locate(("spec", "template")), path="spec.template",
                hint=did_you_mean(name, self.result.templates))
            return None
        return chain_of(name, self.result.templates)

    def _check_merged(self, item: Loaded, merged: Merged, *, from_template: bool,
                      recheck: bool) -> None:
        """Check what merging and filling made: the document alone was checked already."""
        spec_model = kinds.get(item.kind).spec_model
        assert spec_model is not None
        for found in structure.check(spec_model, merged.spec) if recheck else ():
            issue = _cross_kind_hint(item.kind, found, prefix=())
            origin = merged.provenance.origin(issue.path)
            message = issue.message
            if origin.doc is not item.doc and issue.code is Code.UNKNOWN_FIELD:
                setter = (f"environment '{self.overlay.name}' overrides"
                          if self.overlay is not None and origin.doc is self.overlay.document
                          else f"template '{origin.doc.data['metadata']['name']}' sets")
                message = f"{setter} '{issue.path[-1]}', which {item.kind} does not support"
            self.diagnostics.error(issue.code, message, origin.doc.locate(origin.path),
                                   path=format_path(origin.path), hint=issue.hint)
        if merged.spec.get("model") is None:
            where = "or in its template " if from_template else ""
            self.diagnostics.error(
                Code.MISSING_FIELD, f"{item.kind} '{item.name}' has no model",
                item.doc.locate(("spec",)), path="spec.model",
                hint=f"set spec.model {where}(e.g. model: gpt-4o)")

    def _check_response_format(self, merged: Merged) -> None:
        response_format = merged.spec.get("response_format")
        if not isinstance(response_format, dict):
            return
        json_schema = response_format.get("json_schema") or {}
        if not json_schema.get("strict") or "schema" not in json_schema:
            return
        base = ("response_format", "json_schema", "schema")
        for path, message in strict_problems(json_schema["schema"]):
            origin = merged.provenance.origin(base + path)
            self.diagnostics.error(Code.STRICT_MODE, message, origin.doc.locate(origin.path),
                                   path=format_path(origin.path))


def _origin(origin: Any) -> tuple[Location, str]:
    return origin.doc.locate(origin.path), format_path(origin.path)
