"""Saved plans: `plan --out FILE` writes the plan's JSON with a digest of its changes; `apply
FILE` checks the digest (an edited file is refused before anything is read), plans again with
the options the file records, and applies only if the new plan's changes have the same digest:
a stale or edited file can do nothing the manifests do not say. A refusal names what
changed."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from reconciler import __version__
from reconciler.errors import ReconcilerError
from reconciler.model.desired import DesiredResource
from reconciler.outputs import write_text
from reconciler.plan.model import FORMAT_VERSION, Action, Plan, ResourceChange
from reconciler.plan.normalize import fingerprint, manifest_digest
from reconciler.provider import LiveObject


class StalePlanError(ReconcilerError):
    """The world moved since the plan was made."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("the saved plan is stale:\n  - " + "\n  - ".join(reasons),
                         hint="make a new plan: reconciler plan --out FILE")
        self.reasons = reasons


SHOWN_ONLY = ("summary", "reconciler_version")
"""What a saved plan holds for people and tools, as `plan --format json` prints it, but is
derived, never read back."""


def save(plan: Plan, path: Path) -> None:
    """Write `plan` with the digest of its changes, its summary and the version that made
    it (as `plan --format json` prints it)."""
    signed = plan.model_copy(update={"digest": plan.saved_digest()})
    data = signed.model_dump(mode="json")
    data["summary"] = signed.summary().model_dump()
    data["reconciler_version"] = __version__
    write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def environment_of(path: Path) -> str | None:
    """The environment a saved plan was made in, read before anything else is (`apply
    FILE` without --env takes it); None when the file says none or cannot say."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None  # `load` says what is wrong with it
    value = data.get("environment") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def load(path: Path, *, check_digest: bool = True) -> Plan:
    """Read a saved plan; refuse one without a digest, and (unless told not to yet) one
    whose changes do not match it."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ReconcilerError(f"cannot read the plan {path}: {exc.strerror}") from exc
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ReconcilerError(f"{path} is not a plan saved by `reconciler plan --out` "
                              f"(not JSON: {exc})") from exc
    if isinstance(data, dict):
        for key in SHOWN_ONLY:
            data.pop(key, None)
    try:
        plan = Plan.model_validate_json(json.dumps(data))
    except ValidationError as exc:
        raise ReconcilerError(f"{path} is not a plan saved by `reconciler plan --out` "
                              f"({exc.error_count()} problem(s), first: "
                              f"{exc.errors()[0]['msg']})") from exc
    if plan.format_version.split(".")[0] != FORMAT_VERSION.split(".")[0]:
        raise ReconcilerError(f"{path} has plan format {plan.format_version}; this version "
                              f"reads {FORMAT_VERSION}")
    if plan.digest is None:
        raise ReconcilerError(f"{path} has plan format {plan.format_version}, without the "
                              "digest this version checks before applying",
                              hint="make a new plan: reconciler plan --out FILE")
    if check_digest:
        verify_digest(plan, path)
    return plan


def verify_digest(plan: Plan, path: Path) -> None:
    """Refuse a plan whose changes were edited after `plan --out` wrote them."""
    if plan.digest != plan.saved_digest():
        raise ReconcilerError(f"{path} was changed after `reconciler plan --out` wrote it (its "
                              "changes do not match its digest); nothing was applied",
                              hint="make a new plan: reconciler plan --out FILE")


def verify(saved: Plan, again: Plan, desired: list[DesiredResource], live: list[LiveObject],
           *, endpoint: str) -> None:
    """Raise `StalePlanError` unless `again` (planned now with `saved`'s options) makes
    exactly `saved`'s changes."""
    if again.changes_digest() == saved.changes_digest() and endpoint == saved.endpoint:
        return
    reasons = stale_reasons(saved, desired, live, endpoint=endpoint)
    before = {c.key: c for c in saved.changes}
    after = {c.key: c for c in again.changes}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old == new or any(r.startswith(key.split("@")[0] + ":") for r in reasons):
            continue
        reasons.append(f"{key}: {_difference(old, new)}")
    raise StalePlanError(reasons or ["planning again gives other changes"])


def _difference(old: ResourceChange | None, new: ResourceChange | None) -> str:
    if old is None:
        assert new is not None
        return f"planned now as {new.action}; the saved plan does not have it"
    if new is None:
        return f"the saved plan's {old.action} is not planned any more"
    if old.action != new.action:
        return f"planned now as {new.action}, not {old.action}"
    return f"its {old.action} differs (request body, files or live object)"


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
    claimed = {str(o.address): o for o in live if o.address is not None}
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
