"""Fault injection: added latency, 429 with Retry-After, 5xx, dropped connections, and
"commit then fail" (the write is stored, the client still sees a failure).

A plan is a list of rules. Each rule matches requests by method and path (a glob) and fires
on a deterministic schedule (`on`: positions among its matching requests, `every`: each Nth)
or at a `rate` drawn from a random generator seeded by the plan's `seed`; `times` caps how
often it fires. Rules are set at start (`--faults FILE`) or through `PUT /admin/faults`.
"""

from __future__ import annotations

import fnmatch
import random
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

FaultKind = Literal["latency", "rate_limit", "server_error", "disconnect", "commit_then_fail"]


class FaultRule(BaseModel):
    """When and how to fail."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    fault: FaultKind
    methods: list[str] = Field(default_factory=list, description="Empty: any method.")
    path: str = Field("/v1/*", description="A glob matched against the request path.")
    rate: float | None = Field(None, ge=0, le=1)
    on: list[int] = Field(default_factory=list, description="1-based matching positions.")
    every: int | None = Field(None, ge=1)
    times: int | None = Field(None, ge=0)
    status: int = Field(500, ge=500, le=599, description="server_error, commit_then_fail.")
    then: Literal["error", "disconnect"] = Field(
        "error", description="commit_then_fail: answer a 5xx, or drop the connection.")
    retry_after: float = Field(1.0, ge=0, description="rate_limit: seconds to wait.")
    latency_ms: int = Field(0, ge=0, description="latency: milliseconds to add.")

    def matches(self, method: str, path: str) -> bool:
        if self.methods and method.upper() not in {m.upper() for m in self.methods}:
            return False
        return fnmatch.fnmatchcase(path, self.path)


class FaultPlan(BaseModel):
    """Every rule, the seed of the random schedule, and latency added to every request."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    seed: int = 0
    latency_ms: int = Field(0, ge=0)
    rules: list[FaultRule] = Field(default_factory=list)


@dataclass
class Decision:
    """What to do with one request."""

    latency: float = 0.0
    rule: FaultRule | None = None


@dataclass
class FaultInjector:
    """Applies a plan to the stream of requests, deterministically for a given order."""

    plan: FaultPlan = field(default_factory=FaultPlan)
    matched: list[int] = field(default_factory=list)
    fired: list[int] = field(default_factory=list)
    rng: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        self.load(self.plan)

    def load(self, plan: FaultPlan) -> None:
        self.plan = plan
        self.matched = [0] * len(plan.rules)
        self.fired = [0] * len(plan.rules)
        self.rng = random.Random(plan.seed)

    def decide(self, method: str, path: str) -> Decision:
        decision = Decision(latency=self.plan.latency_ms / 1000)
        for index, rule in enumerate(self.plan.rules):
            if not rule.matches(method, path):
                continue
            self.matched[index] += 1
            if not self._fires(index, rule):
                continue
            self.fired[index] += 1
            if rule.fault == "latency":
                decision.latency += rule.latency_ms / 1000
            elif decision.rule is None:
                decision.rule = rule
        return decision

    def _fires(self, index: int, rule: FaultRule) -> bool:
        if rule.times is not None and self.fired[index] >= rule.times:
            return False
        position = self.matched[index]
        if rule.on:
            return position in rule.on
        if rule.every is not None:
            return position % rule.every == 0
        if rule.rate is not None:
            return self.rng.random() < rule.rate
        return True

    def report(self) -> list[dict[str, object]]:
        return [{"rule": i, "fault": r.fault, "matched": self.matched[i], "fired": self.fired[i]}
                for i, r in enumerate(self.plan.rules)]
