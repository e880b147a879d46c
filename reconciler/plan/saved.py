"""Saved plans: `plan --out FILE` writes the plan's JSON; `apply FILE` reads it back and refuses
it when the manifests or any live object it touches changed since, naming each."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from reconciler import ownership
from reconciler.errors import ReconcilerError
from reconciler.model.desired import DesiredResource
from reconciler.outputs import write_text
from reconciler.plan.model import FORMAT_VERSION, KNOWN_AFTER_APPLY, Action, Plan
from reconciler.plan.normalize import fingerprint, manifest_digest
from reconciler.provider import LiveObject


class StalePlanError(ReconcilerError):
    """The world moved since the plan was made."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("the saved plan is stale:\n  - " + "\n  - ".join(reasons),
                         hint="make a new plan: reconciler plan --out FILE")
        self.reasons = reasons


def save(plan: Plan, path: Path) -> None:
    write_text(path, plan.model_dump_json(indent=2) + "\n")


def load(path: Path) -> Plan:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ReconcilerError(f"cannot read the plan {path}: {exc.strerror}") from exc
    try:
        plan = Plan.model_validate_json(text)
    except ValidationError as exc:
        raise ReconcilerError(f"{path} is not a plan saved by `reconciler plan --out` "
                              f"({exc.error_count()} problem(s), first: "
                              f"{exc.errors()[0]['msg']})") from exc
    if plan.format_version.split(".")[0] != FORMAT_VERSION.split(".")[0]:
        raise ReconcilerError(f"{path} has plan format {plan.format_version}; this version "
                              f"reads {FORMAT_VERSION}")
    if plan.format_version == "1.0" and KNOWN_AFTER_APPLY.split("{")[0] in text:
        raise ReconcilerError(f"{path} has plan format 1.0 and values known only after apply, "
                              "which this version records by position (format 1.1)",
                              hint="make a new plan: reconciler plan --out FILE")
    return plan


def stale_reasons(plan: Plan, desired: list[DesiredResource], live: list[LiveObject],
                  *, endpoint: str) -> list[str]:
    """Everything that changed since `plan` was made, one sentence each."""
    reasons = []
    if endpoint != plan.endpoint:
        reasons.append(f"the plan was made for {plan.endpoint}, not {endpoint}")
    now = {f"{r.kind}/{r.name}": manifest_digest(r) for r in desired}
    for address in sorted(set(now) | set(plan.desired_digests)):
        before, after = plan.desired_digests.get(address), now.get(address)
        if before != after:
            what = "added" if before is None else "removed" if after is None else "changed"
            reasons.append(f"{address}: its manifest was {what}")
    by_id = {obj.id: obj for obj in live}
    claimed = {f"{o.kind}/{ownership.owner(o.raw.get('metadata'))}": o for o in live
               if ownership.owner(o.raw.get("metadata"))}
    for change in plan.changes:
        if change.action is Action.CREATE:
            if change.address in claimed:
                reasons.append(f"{change.address}: a live object now claims this name "
                               f"({claimed[change.address].id})")
            continue
        obj = by_id.get(str(change.live_id))
        if obj is None:
            reasons.append(f"{change.address}: the live object {change.live_id} no longer exists")
        elif fingerprint(obj) != change.fingerprint:
            reasons.append(f"{change.address}: the live object {change.live_id} changed")
    return reasons
