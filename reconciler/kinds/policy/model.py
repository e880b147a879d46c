"""The `Policy` kind: rules every resolved resource, or every planned change, must meet.

A rule is a CEL expression (https://cel.dev) that must be true, with `match` narrowing what
it applies to; README, "Policies", gives the variables each expression sees.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from reconciler.model.common import V1, LabelSelector, Name, ObjectMeta, Strict
from reconciler.model.config import EnvironmentName

MAX_EXPRESSION = 1000
"""Characters of one expression: with the limits of `kinds.policy.expressions`, this bounds
the work of one evaluation."""
MAX_MESSAGE = 500
MAX_RULES = 100

Subject = Literal["resource", "change"]


class PolicyMatch(Strict):
    """What a rule applies to: every condition given must hold (none given: everything)."""

    kinds: list[str] = Field(
        default_factory=list, max_length=10,
        description="Kinds it applies to: Assistant, Agent, VectorStore (and File for change "
                    "rules); none: every kind.")
    environments: list[EnvironmentName] = Field(
        default_factory=list, max_length=20,
        description="Environments of reconciler.yaml it applies in; none: every environment, "
                    "and a project without environments.")
    labels: LabelSelector | None = Field(
        None, description="Labels the resource must carry (templates' and the environment's "
                          "included).")


class PolicyRule(Strict):
    """One rule: an expression that must be true, and what to say when it is not."""

    name: Name
    on: Subject = Field(
        "resource",
        description="`resource`: checked on every resolved resource, in every environment; "
                    "`change`: on every change of a plan, before apply writes anything.")
    match: PolicyMatch = Field(default_factory=PolicyMatch)
    expression: Annotated[str, StringConstraints(min_length=1, max_length=MAX_EXPRESSION)] = (
        Field(description="A CEL expression that must be true. Variables: `resource` or "
                          "`change` (after `on`), and `environment`."))
    message: Annotated[str, StringConstraints(min_length=1, max_length=MAX_MESSAGE)] | None = (
        Field(None, description="What to say when it is false; `{{ path }}` shows a value "
                                "(e.g. `{{ resource.spec.model }}`)."))
    severity: Literal["error", "warning"] = Field(
        "error", description="An error fails the check (validate, or the plan for a change "
                             "rule); a warning is only shown.")


class PolicySpec(Strict):
    """The rules of one policy."""

    description: str | None = Field(None, max_length=512)
    rules: list[PolicyRule] = Field(min_length=1, max_length=MAX_RULES)


class PolicyManifest(Strict):
    """Rules (CEL expressions) the resources and the planned changes must meet."""

    apiVersion: V1
    kind: Literal["Policy"]
    metadata: ObjectMeta
    spec: PolicySpec
