"""Compare two sets of resolved resources without any API: two git revisions (what a pull
request changes) or two environments (what a promotion would change). Pure: no I/O.

The comparison is of what would be sent: each resource's request body, field by field
(`plan.diff.field_changes`, the plan's own differ), and its repository files by path and
content hash. Templates, tools and variables are already folded into the bodies.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from reconciler.model.desired import DesiredResource
from reconciler.plan.diff import field_changes
from reconciler.plan.model import FieldChange


class Change(StrEnum):
    ADD = "add"
    CHANGE = "change"
    REMOVE = "remove"


class FileDifference(BaseModel):
    model_config = ConfigDict(frozen=True)

    path: str
    change: Change
    before: str | None = None
    """The content hash on the left (None: absent)."""
    after: str | None = None


class Difference(BaseModel):
    """One resource that differs: added, removed, or changed in these fields and files."""

    model_config = ConfigDict(frozen=True)

    address: str
    kind: str
    change: Change
    fields: tuple[FieldChange, ...] = ()
    files: tuple[FileDifference, ...] = ()
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


class Comparison(BaseModel):
    """Every difference between a left and a right side, each named for display."""

    model_config = ConfigDict(frozen=True)

    left: str
    right: str
    environment: str | None = None
    differences: tuple[Difference, ...] = ()
    unchanged: int = 0

    def counts(self) -> dict[str, int]:
        return {c.value: sum(1 for d in self.differences if d.change is c) for c in Change}


def compare(left: Sequence[DesiredResource], right: Sequence[DesiredResource], *,
            left_name: str, right_name: str, environment: str | None = None) -> Comparison:
    """What changes from `left` to `right`, resource by resource, in a stable order."""
    before = {r.address: r for r in left}
    after = {r.address: r for r in right}
    found: list[Difference] = []
    unchanged = 0
    for address in sorted(set(before) | set(after)):
        old, new = before.get(address), after.get(address)
        if old is None and new is not None:
            found.append(Difference(address=address, kind=new.kind, change=Change.ADD,
                                    after=new.body, files=_files(None, new)))
        elif new is None and old is not None:
            found.append(Difference(address=address, kind=old.kind, change=Change.REMOVE,
                                    before=old.body, files=_files(old, None)))
        elif old is not None and new is not None:
            every = _fields(old.body, new.body)
            files = _files(old, new)
            if every or files:
                found.append(Difference(address=address, kind=new.kind, change=Change.CHANGE,
                                        fields=every, files=files, before=old.body,
                                        after=new.body))
            else:
                unchanged += 1
    return Comparison(left=left_name, right=right_name, environment=environment,
                      differences=tuple(found), unchanged=unchanged)


def _fields(old: dict[str, Any], new: dict[str, Any]) -> tuple[FieldChange, ...]:
    """Top-level fields added or removed, and the leaves that differ inside the others."""
    found: list[FieldChange] = []
    for key in [*old, *(k for k in new if k not in old)]:
        if key not in new:
            found.append(FieldChange(path=key, op="remove", before=old[key]))
        elif key not in old:
            found.append(FieldChange(path=key, op="add", after=new[key]))
        elif old[key] != new[key]:
            found += field_changes({key: old[key]}, {key: new[key]})
    return tuple(found)


def _files(old: DesiredResource | None, new: DesiredResource | None
           ) -> tuple[FileDifference, ...]:
    before = {f.path: f.sha256 for f in (old.files if old else ())}
    after = {f.path: f.sha256 for f in (new.files if new else ())}
    found = []
    for path in sorted(set(before) | set(after)):
        if before.get(path) == after.get(path):
            continue
        change = (Change.ADD if path not in before else Change.REMOVE if path not in after
                  else Change.CHANGE)
        found.append(FileDifference(path=path, change=change, before=before.get(path),
                                    after=after.get(path)))
    return tuple(found)
