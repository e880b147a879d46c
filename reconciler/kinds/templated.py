"""The resolver of the kinds that take templates, variables, tools and a model (Assistant,
Agent): it merges a document with its templates and the environment's overlay, fills the
variables, checks what that made, resolves the tools and judges the model."""

from __future__ import annotations

from typing import Any

from reconciler.diagnostics import Code, Location, format_path
from reconciler.kinds.model_catalog import index as model_catalog_index
from reconciler.kinds.tool import index as tool_index
from reconciler.kinds.tool.references import resolve_tools
from reconciler.manifests import structure
from reconciler.manifests.jsonschema_rules import strict_problems
from reconciler.manifests.lifecycle import check_ignore_changes
from reconciler.manifests.project import Loaded, ManifestSet, ResolveContext, cross_kind_hint
from reconciler.manifests.structure import did_you_mean
from reconciler.manifests.templates import (
    Merged,
    TemplateEntry,
    chain_of,
    merge_layer,
    merge_resource,
    substitute,
)
from reconciler.model.common import Lifecycle
from reconciler.model.desired import DesiredFile, DesiredResource
from reconciler.model.kindspec import registry
from reconciler.retirement import Facts, accepts, judge, unsupported


def resolve_templated(context: ResolveContext, item: Loaded) -> DesiredResource | None:
    """The desired state of an assistant or agent: templates, variables, tools, model (the
    `resolve` hook of both kinds)."""
    resolver = context.cache.get(__name__)
    if resolver is None:
        resolver = context.cache[__name__] = Resolver(context)
    return resolver.resolve(item)



def template_entries(manifests: ManifestSet) -> dict[str, TemplateEntry]:
    """The set's Template manifests, by name (recorded by the Template kind's `index`)."""
    return manifests.index_of("Template", dict[str, TemplateEntry])

class Resolver:
    """Resolves assistants and agents against the indexed tools, templates and catalog."""

    def __init__(self, context: ResolveContext) -> None:
        self.context = context
        self.result = context.result
        self.models = context.models
        self.catalog = model_catalog_index.catalog(context.result)
        self.tools = tool_index.entries(context.result)
        self.templates = template_entries(context.result)
        self.facts = Facts(self.catalog, context.today)
        self.overlay = context.overlay
        self.root = context.root
        self.diagnostics = context.diagnostics
        self.broken = context.unusable.get("Template", set())
        self.invalid = context.invalid
        self.today = context.today

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
        self.catalog.check(spec["model"], model_source, self.diagnostics)
        if self.models is not None:
            judge(self.facts.of(spec["model"]), self.models, self.today, model_source,
                  self.diagnostics)
        self._check_model_settings(item.kind, merged)
        tools = resolve_tools(
            item.kind, f"{item.kind}/{item.name}", spec.get("tools") or [], merged.provenance,
            merged.labels, self.tools, self.diagnostics,
            invalid=self.invalid.get("Tool", set()))
        self._check_response_format(merged)
        check_ignore_changes(item.kind, merged.spec, self.diagnostics,
                             lambda path: _origin(merged.provenance.origin(path)))
        values = {**spec, "name": spec.get("name", item.name)}
        spec_of_kind = registry().get(item.kind)
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
        entries = self.catalog.entries
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
        if name not in self.templates:
            self.diagnostics.error(
                Code.UNKNOWN_TEMPLATE, f"no Template manifest is named '{name}'",
                item.doc.locate(("spec", "template")), path="spec.template",
                hint=did_you_mean(name, self.templates))
            return None
        return chain_of(name, self.templates)

    def _check_merged(self, item: Loaded, merged: Merged, *, from_template: bool,
                      recheck: bool) -> None:
        """Check what merging and filling made: the document alone was checked already."""
        spec_model = registry().get(item.kind).spec_model
        assert spec_model is not None
        for found in structure.check(spec_model, merged.spec) if recheck else ():
            issue = cross_kind_hint(item.kind, found, prefix=())
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
