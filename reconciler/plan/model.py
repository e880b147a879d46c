"""The plan: typed, frozen changes. Computing a plan and rendering it live elsewhere.

A `ResourceChange` holds the address, the action, the live object before (None on create),
the desired object after (None on delete), the field-level changes, and what apply will send.
A `Plan` is what `plan --out` saves and `apply FILE` executes: its JSON form is documented
and versioned by `format_version`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from reconciler.model.desired import ResourceKind

FORMAT_VERSION = "1.0"


class Action(StrEnum):
    """What apply does to one object."""

    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    DELETE = "delete"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FieldChange(_Frozen):
    """One field that differs: its path (`metadata.team`, `tools[1].function.description`)
    and whether a key was added, removed, or a value changed."""

    path: str
    op: Literal["add", "remove", "change"] = "change"
    before: Any = None
    after: Any = None
    before_unknown: bool = Field(
        False, description="The API does not return this field; it is set on every update.")


class ResourceChange(_Frozen):
    """One object to create, update, replace or delete."""

    address: str
    kind: ResourceKind
    name: str
    action: Action
    live_id: str | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    fields: tuple[FieldChange, ...] = ()
    reason: str | None = Field(None, description="Why, for display only.")
    body: dict[str, Any] | None = Field(None, description="The request body apply sends.")
    fingerprint: str | None = Field(None, description="Of the live object when planned.")
    source: str | None = None
    depends_on: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> ResourceChange:
        creates = self.action is Action.CREATE
        deletes = self.action is Action.DELETE
        if (self.before is None) != creates:
            raise ValueError("before is None exactly when the action is create")
        if (self.after is None) != deletes:
            raise ValueError("after is None exactly when the action is delete")
        if (self.live_id is None) != creates:
            raise ValueError("live_id is None exactly when the action is create")
        if (self.body is None) != deletes:
            raise ValueError("body is None exactly when the action is delete")
        if self.action is Action.UPDATE and not self.fields:
            raise ValueError("an update changes at least one field")
        return self


class UnmanagedObject(_Frozen):
    """A live object no manifest manages: never changed, listed for `import`."""

    kind: ResourceKind
    id: str
    name: str | None = None
    model: str | None = None


class Summary(_Frozen):
    """Counts, Terraform style: a replace counts as one create and one delete."""

    create: int
    update: int
    delete: int
    replace: int
    unchanged: int
    unmanaged: int


class Plan(_Frozen):
    """Everything apply needs, and everything a reviewer should see."""

    format_version: str = FORMAT_VERSION
    endpoint: str
    changes: tuple[ResourceChange, ...] = ()
    unchanged: tuple[str, ...] = Field((), description="Addresses already in sync.")
    unmanaged: tuple[UnmanagedObject, ...] = ()
    warnings: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    no_delete: bool = False
    desired_digests: dict[str, str] = Field(
        default_factory=dict, description="Per address, a hash of the declared state.")

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    def summary(self) -> Summary:
        count = {action: 0 for action in Action}
        for change in self.changes:
            count[change.action] += 1
        return Summary(create=count[Action.CREATE] + count[Action.REPLACE],
                       update=count[Action.UPDATE],
                       delete=count[Action.DELETE] + count[Action.REPLACE],
                       replace=count[Action.REPLACE], unchanged=len(self.unchanged),
                       unmanaged=len(self.unmanaged))
