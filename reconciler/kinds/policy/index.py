"""Record a Policy manifest with its rules checked: names, kinds, selectors, expressions and
messages.

Expressions are compiled here, while the manifests load, so a broken one is an error at its
line whatever the command; `reconciler.policies` evaluates the rules recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from reconciler import kinds
from reconciler.diagnostics import Code, Diagnostics, Location, format_path
from reconciler.kinds.policy import expressions, messages
from reconciler.kinds.policy.expressions import Compiled
from reconciler.kinds.policy.model import PolicyRule, Subject
from reconciler.manifests.loader import SourceDocument
from reconciler.manifests.structure import did_you_mean

if TYPE_CHECKING:
    from reconciler.manifests.project import Loaded, ManifestSet

VARIABLES: dict[Subject, frozenset[str]] = {
    "resource": frozenset({"resource", "model", "environment"}),
    "change": frozenset({"change", "model", "environment"}),
}
"""The variables an expression and its message may use, by what the rule is `on`."""

@dataclass(frozen=True)
class Rule:
    """One rule of a Policy manifest, as loaded."""

    policy: str
    index: int
    spec: PolicyRule
    doc: SourceDocument
    compiled: Compiled | None
    """None when the expression or message has an error (reported): never evaluated."""

    @property
    def title(self) -> str:
        return f"rule '{self.spec.name}' of Policy '{self.policy}'"

    def path(self, *field: str | int) -> tuple[str | int, ...]:
        return ("spec", "rules", self.index, *field)

    def locate(self, *field: str | int) -> Location:
        return self.doc.locate(self.path(*field))


def index(result: ManifestSet, item: Loaded, diagnostics: Diagnostics) -> None:
    """Record a Policy's rules, each checked (one with an error is kept, never evaluated)."""
    rules = [_rule(item, i, spec, diagnostics)
             for i, spec in enumerate(item.manifest.spec.rules)]
    _check_names(rules, diagnostics)
    _by_policy(result)[item.name] = rules


def declared(manifests: ManifestSet) -> list[Rule]:
    """Every rule of the set's Policy manifests, in the order they were read."""
    return [rule for rules in _by_policy(manifests).values() for rule in rules]


def _by_policy(manifests: ManifestSet) -> dict[str, list[Rule]]:
    return manifests.index_of("Policy", dict[str, list[Rule]])


def _rule(item: Loaded, index: int, spec: PolicyRule, diagnostics: Diagnostics) -> Rule:
    rule = Rule(item.name, index, spec, item.doc, None)
    errors = diagnostics.count_errors()
    _check_kinds(rule, diagnostics)
    _check_selector(rule, diagnostics)
    variables = VARIABLES[spec.on]
    compiled = expressions.compile_rule(spec.expression, variables)
    if isinstance(compiled, str):
        _invalid(rule, "expression", compiled, diagnostics)
    problem = messages.check_message(spec.message or "", variables)
    if problem is not None:
        _invalid(rule, "message", problem, diagnostics)
    if diagnostics.count_errors() > errors or isinstance(compiled, str):
        return rule
    return Rule(item.name, index, spec, item.doc, compiled)


def _invalid(rule: Rule, field: str, problem: str, diagnostics: Diagnostics) -> None:
    variables = ", ".join(sorted(VARIABLES[rule.spec.on]))
    hint = (f"a CEL expression (https://cel.dev) over {variables}" if field == "expression"
            else f"placeholders are paths into {variables}, e.g. {{{{ {rule.spec.on}.name }}}}")
    diagnostics.error(Code.INVALID_POLICY_EXPRESSION, f"{rule.title}: {problem}",
                      rule.locate(field), path=format_path(rule.path(field)),
                      hint=f"{hint}; see docs/policies.md")


def _check_kinds(rule: Rule, diagnostics: Diagnostics) -> None:
    known = _kinds(rule.spec.on)
    for i, kind in enumerate(rule.spec.match.kinds):
        if kind not in known:
            where = rule.path("match", "kinds", i)
            diagnostics.error(
                Code.INVALID_VALUE, f"{rule.title} matches kind '{kind}', which a "
                f"{rule.spec.on} rule never sees", rule.doc.locate(where),
                path=format_path(where), hint=did_you_mean(kind, known)
                or "one of: " + ", ".join(known))


def _kinds(on: Subject) -> Sequence[str]:
    """The kinds a rule may match: what manifests resolve to, or what a plan changes."""
    return kinds.names(kinds.RESOURCES if on == "resource" else kinds.LIVE)


def _check_selector(rule: Rule, diagnostics: Diagnostics) -> None:
    selector: Any = rule.spec.match.labels
    for i, requirement in enumerate(selector.matchExpressions if selector else ()):
        wants_values = requirement.operator in ("In", "NotIn")
        if wants_values != bool(requirement.values):
            need = "needs at least one value" if wants_values else "takes no values"
            where = rule.path("match", "labels", "matchExpressions", i)
            diagnostics.error(Code.INVALID_VALUE, f"operator {requirement.operator} {need}",
                              rule.doc.locate(where), path=format_path(where))


def _check_names(rules: list[Rule], diagnostics: Diagnostics) -> None:
    first: dict[str, Rule] = {}
    for rule in rules:
        name = rule.spec.name
        if name in first:
            diagnostics.error(Code.DUPLICATE_NAME, f"Policy '{rule.policy}' has two rules "
                              f"named '{name}'", rule.locate("name"),
                              path=format_path(rule.path("name")),
                              hint=f"the first is at {first[name].locate('name')}")
        first.setdefault(name, rule)
