"""Policy gates: every resolved resource, and every change of a plan, checked against the rules
of the Policy manifests (README, "Policies").

`check_resources` is what `validate` runs, once per environment; `check_plan` what `plan` and
`apply` run before anything is written. Both only read: the manifests, and a manifest file
again to point a violation at the field it concerns. A project without Policy manifests
returns at once, without loading the CEL interpreter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reconciler import clock
from reconciler.diagnostics import Code, Diagnostic, Diagnostics, Location, Severity, format_path
from reconciler.kinds.model_catalog.index import catalog as catalog_of
from reconciler.kinds.policy import expressions, messages
from reconciler.kinds.policy.index import Rule, declared
from reconciler.manifests.loader import SourceDocument, load_file
from reconciler.manifests.structure import did_you_mean
from reconciler.retirement import Facts

if TYPE_CHECKING:
    from reconciler.manifests.project import ManifestSet
    from reconciler.model.desired import DesiredResource
    from reconciler.plan.model import Plan, ResourceChange

Where = Callable[[Sequence[tuple[str, ...]]], tuple[Location | None, str | None]]
"""Where a diagnostic goes, from the field chains a rule reads (`resource.spec.model`)."""

EXPRESSION_SHOWN = 120
"""Characters of an expression a hint shows."""
HAS_FIRST = {
    "resource": "test a field a manifest may leave out with has() first, e.g. "
                "!has(resource.spec.temperature) || resource.spec.temperature <= 1.0",
    "change": "test a field with has() first, e.g. change.after == null || "
              "!has(change.after.model) || change.after.model != 'gpt-4o'",
}


def check_resources(manifests: ManifestSet, environment: str | None = None, *,
                    environments: Sequence[str] | None = None,
                    facts: Facts | None = None) -> Diagnostics:
    """Evaluate the resource rules on every resolved resource, in `environment` (None: the
    project has none, or none was chosen). With `environments` (those reconciler.yaml
    declares), a rule matching another is an error too. `model` is judged by `facts`
    (default: the catalog's and the calendar's, as of today)."""
    problems = Diagnostics()
    rules = _usable(manifests, "resource")
    facts = facts or Facts(catalog_of(manifests), clock.today())
    if environments is not None:
        _check_environments(_usable(manifests, None), environments, problems)
    manifest_files = _Documents()
    for resource in manifests.resources:
        applicable = [r for r in rules if _applies(r, resource.kind, resource.labels,
                                                   environment)]
        if applicable:
            variables = {"resource": resource_variables(resource),
                         "model": model_variables(resource.body, facts),
                         "environment": environment or ""}
            where = manifest_files.where(resource.source, _resource_field)
            subject = expressions.Subject(variables)
            for rule in applicable:
                _judge(rule, subject, resource.address, where, problems)
    return problems


def check_plan(plan: Plan, manifests: ManifestSet, environment: str | None = None, *,
               facts: Facts | None = None) -> Diagnostics:
    """Evaluate the change rules on every change of `plan` (made from `manifests`, in
    `environment`); errors mean apply must write nothing. Pure but for reading manifests
    again to locate a violation."""
    problems = Diagnostics()
    rules = _usable(manifests, "change")
    if not rules:
        return problems
    facts = facts or Facts(catalog_of(manifests), clock.today())
    labels = {r.address: r.labels for r in manifests.resources}
    # a delete has no manifest left: it carries the environment's labels, so that a rule
    # such as "no delete in prod without allow-delete" is met by a reviewed change of them
    environment_labels = manifests.overlay.labels if manifests.overlay else {}
    manifest_files = _Documents()
    for change in plan.changes:
        found = labels.get(change.address, environment_labels)
        applicable = [r for r in rules if _applies(r, change.kind, found, environment)]
        if applicable:
            variables = {"change": change_variables(change, found),
                         "model": model_variables(change.after or change.before or {}, facts),
                         "environment": environment or ""}
            where = manifest_files.where(_location(change.source), _change_field)
            subject = expressions.Subject(variables)
            for rule in applicable:
                _judge(rule, subject, change.address, where, problems)
    return problems


def reads_model(manifests: ManifestSet) -> bool:
    """Whether any resource rule reads the `model` variable."""
    return any(chain[:1] == ("model",) for rule in _usable(manifests, "resource")
               if rule.compiled is not None for chain in rule.compiled.reads)


def model_variables(body: Mapping[str, Any], facts: Facts) -> dict[str, Any]:
    """`model`: the retirement facts of the model a body sets (an empty id: none)."""
    model = body.get("model")
    if not isinstance(model, str):
        return {"id": "", "shutdown_date": "", "days_to_shutdown": None, "retiring": False,
                "replacement": ""}
    return facts.of(model).variables(facts.today)


def resource_variables(resource: DesiredResource) -> dict[str, Any]:
    """`resource` as a resource rule sees it."""
    return {
        "kind": resource.kind, "name": resource.name, "labels": dict(resource.labels),
        "annotations": dict(resource.annotations), "template": resource.template or "",
        "tools": list(resource.tool_names), "stores": list(resource.store_refs),
        "lifecycle": resource.lifecycle.model_dump(mode="json"), "spec": resource.body,
        "files": [{"path": f.path, "size": f.size, "sha256": f.sha256}
                  for f in resource.files],
    }


def change_variables(change: ResourceChange, labels: Mapping[str, str]) -> dict[str, Any]:
    """`change` as a change rule sees it (`labels`: its manifest's, with the environment's;
    for a delete, whose manifest is gone, the environment's)."""
    return {
        "address": change.address, "kind": change.kind, "name": change.name,
        "action": change.action.value,
        "action_reason": change.action_reason.value if change.action_reason else "",
        "reason": change.reason or "",
        "fields": [f.path for f in change.fields], "before": change.before,
        "after": change.after, "labels": dict(labels),
        "files": [{"action": f.action.value, "path": f.path, "size": f.size}
                  for f in change.files],
    }


def _usable(manifests: ManifestSet, on: str | None) -> list[Rule]:
    """The rules without errors (of one `on`, or all)."""
    return [r for r in declared(manifests)
            if r.compiled is not None and (on is None or r.spec.on == on)]


def _applies(rule: Rule, kind: str, labels: Mapping[str, str], environment: str | None) -> bool:
    match = rule.spec.match
    return ((not match.kinds or kind in match.kinds)
            and (not match.environments or environment in match.environments)
            and (match.labels is None or match.labels.matches(labels)))


def _judge(rule: Rule, subject: expressions.Subject, address: str, where: Where,
           problems: Diagnostics) -> None:
    """Evaluate one rule on one subject; report it when it is false or fails."""
    assert rule.compiled is not None
    try:
        if expressions.evaluate(rule.compiled, subject):
            return
        text = (messages.render_message(rule.spec.message, subject.variables)
                if rule.spec.message else f"does not meet {rule.title}")
        code, message, hint = Code.POLICY_VIOLATION, f"{address}: {text}", _rule_hint(rule)
    except expressions.EvaluationError as exc:
        code = Code.POLICY_EVALUATION_ERROR
        message = f"{address}: {rule.title} could not be evaluated: {exc}"
        hint = f"{_rule_hint(rule)}; {HAS_FIRST[rule.spec.on]}"
    location, path = where(rule.compiled.reads)
    problems.add(Diagnostic(severity=Severity(rule.spec.severity), code=code, message=message,
                            location=location, path=path, hint=hint))


def _rule_hint(rule: Rule) -> str:
    expression = " ".join(rule.spec.expression.split())
    if len(expression) > EXPRESSION_SHOWN:
        expression = expression[:EXPRESSION_SHOWN - 1] + "…"
    return f"{rule.title} ({rule.locate('expression')}): {expression}"


def _check_environments(rules: list[Rule], environments: Sequence[str],
                        problems: Diagnostics) -> None:
    """A rule naming an environment reconciler.yaml does not declare would never apply."""
    for rule in rules:
        for i, name in enumerate(rule.spec.match.environments):
            if name in environments:
                continue
            where = rule.path("match", "environments", i)
            location, path = rule.doc.locate(where), format_path(where)
            if environments:
                problems.error(Code.INVALID_VALUE, f"{rule.title} matches environment "
                               f"'{name}', which reconciler.yaml does not declare "
                               f"({', '.join(environments)})", location, path=path,
                               hint=did_you_mean(name, environments))
            else:
                problems.warning(Code.INVALID_VALUE, f"{rule.title} matches environment "
                                 f"'{name}', but no environments are declared: it never "
                                 "applies", location, path=path,
                                 hint="declare environments in reconciler.yaml")


# --- where a violation is shown -----------------------------------------------------

NAME = ("metadata", "name")


def _resource_field(chain: tuple[str, ...]) -> tuple[str, ...] | None:
    """The manifest field of `resource.X.Y` (None: none to show)."""
    if chain[:1] == ("model",):
        return ("spec", "model")
    if chain[:2] == ("resource", "spec") and len(chain) > 2:
        return ("spec", *chain[2:])
    if chain[:2] == ("resource", "lifecycle"):
        return ("spec", *chain[1:])
    if chain[:2] in (("resource", "labels"), ("resource", "annotations")):
        return ("metadata", *chain[1:])
    return None


def _change_field(chain: tuple[str, ...]) -> tuple[str, ...] | None:
    """The manifest field of `change.after.X` (or `before`, `labels`; None: none to show)."""
    if chain[:1] == ("model",):
        return ("spec", "model")
    if chain[:2] in (("change", "after"), ("change", "before")) and len(chain) > 2:
        return ("spec", *chain[2:])
    if chain[:2] == ("change", "labels"):
        return ("metadata", *chain[1:])
    return None


def _location(source: str | None) -> Location | None:
    """`file:line:column` (a change's `source`) as a location."""
    if not source:
        return None
    file, line, column = (source.rsplit(":", 2) + ["", ""])[:3]
    if not (line.isdigit() and column.isdigit()):
        return Location(file=source)
    return Location(file=file, line=int(line), column=int(column))


class _Documents:
    """The manifest documents resources start at, read again (once a file) to locate fields:
    the resolved state keeps only where each document starts."""

    def __init__(self) -> None:
        self._files: dict[str, list[SourceDocument]] = {}

    def where(self, start: Location | None, field_of: Callable[[tuple[str, ...]],
                                                               tuple[str, ...] | None]) -> Where:
        """Where to report on the manifest that starts at `start`: the most precise field a
        rule reads that the manifest itself writes (the first of equals), else its name."""
        def locate(reads: Sequence[tuple[str, ...]]) -> tuple[Location | None, str | None]:
            document = self._document(start) if start is not None else None
            if document is None:
                return start, None
            found: tuple[str, ...] | None = None
            for field in filter(None, map(field_of, reads)):
                written = next((field[:n] for n in range(len(field), 1, -1)
                                if field[:n] in document.positions), None)
                if written is not None and (found is None or len(written) > len(found)):
                    found = written
            return document.locate(found or NAME), format_path(found or NAME)
        return locate

    def _document(self, start: Location) -> SourceDocument | None:
        if start.file not in self._files:
            self._files[start.file] = load_file(Path(start.file), Diagnostics())
        return next((d for d in self._files[start.file] if d.locate(()) == start), None)
