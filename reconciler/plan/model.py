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

FORMAT_VERSION = "1.4"
"""1.1 added `action_reason`, `required_replace` and `unknowns` to each change (1.0 plans
load unless they hold values known only after apply). 1.2 added `scope`, `foreign`, `kept`,
the selection the plan was made with (`paths`, `replace`, `prune`, `allow_mass_delete`),
each change's `duplicate_of`, and `digest`; a saved plan without a digest is refused."""


class Action(StrEnum):
    """What apply does to one object."""

    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    DELETE = "delete"


class ActionReason(StrEnum):
    """Why a change is what it is, beyond the action itself (Terraform's `action_reason`).

    The text a plan shows is rendered from it (`REASON_TEXT`); `required_replace` names the
    fields that force a replacement."""

    ADOPT = "adopt"
    ADOPT_INTO_SCOPE = "adopt_into_scope"
    REPLACE_BY_REQUEST = "replace_by_request"
    REPLACE_BECAUSE_CANNOT_UPDATE = "replace_because_cannot_update"
    REPLACE_BECAUSE_EXPIRED = "replace_because_expired"
    UPDATE_TO_RECORD_INDEXED = "update_to_record_indexed"
    DELETE_BECAUSE_NO_MANIFEST = "delete_because_no_manifest"
    DELETE_BECAUSE_UNUSED_UPLOAD = "delete_because_unused_upload"
    DELETE_BECAUSE_DUPLICATE = "delete_because_duplicate"
    MOVED = "moved"


REASON_TEXT = {
    ActionReason.ADOPT: "adopting an existing object: imported",
    ActionReason.ADOPT_INTO_SCOPE: "its marks name no scope: adopted into the plan's scope",
    ActionReason.REPLACE_BY_REQUEST: "replacement requested",
    ActionReason.REPLACE_BECAUSE_CANNOT_UPDATE: "the API cannot change {fields} in place",
    ActionReason.REPLACE_BECAUSE_EXPIRED: "the store expired (expires_after)",
    ActionReason.UPDATE_TO_RECORD_INDEXED: "the last apply did not see every file indexed: "
                                           "wait for them, then record it",
    ActionReason.DELETE_BECAUSE_NO_MANIFEST: "no manifest declares it any more",
    ActionReason.DELETE_BECAUSE_UNUSED_UPLOAD: "an upload of ours that no store or assistant "
                                               "uses (left by an interrupted apply)",
    ActionReason.DELETE_BECAUSE_DUPLICATE: "duplicate of {of}, the oldest copy, which is kept",
    ActionReason.MOVED: "{of} has moved here (reconciler/moved-from): the same object, its id "
                        "and history kept",
}
"""What a plan says for each reason."""


def because(reason: ActionReason, required_replace: tuple[str, ...] = (), *,
            duplicate_of: str | None = None, moved_from: str | None = None) -> dict[str, Any]:
    """The fields of a `ResourceChange` that say why: the reason, its text, the fields that
    force a replacement, the copy a duplicate duplicates, and the address a move leaves."""
    text = REASON_TEXT[reason].format(fields=", ".join(required_replace),
                                      of=duplicate_of if moved_from is None else moved_from)
    found = {"action_reason": reason, "reason": text, "required_replace": required_replace}
    return (found | ({"duplicate_of": duplicate_of} if duplicate_of is not None else {})
            | ({"moved_from": moved_from} if moved_from is not None else {}))


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


KNOWN_AFTER_APPLY = "(known after apply: {})"


class Unknown(_Frozen):
    """A value of a request body known only during apply, at `at`: the live id of another
    change (`address`), or of an upload this change makes (`upload`, a repository path).

    Until then the body holds its `text`, which plans show; apply fills the value in by its
    position, never by searching the body for text."""

    at: tuple[str | int, ...]
    address: str | None = None
    upload: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Unknown:
        if (self.address is None) == (self.upload is None):
            raise ValueError("an unknown value is the id of exactly one change or upload")
        return self

    @property
    def text(self) -> str:
        return KNOWN_AFTER_APPLY.format(self.address or f"upload of {self.upload}")


class FileAction(StrEnum):
    """What apply does to one repository file of a store or an assistant."""

    UPLOAD = "upload"
    """New content: upload it and attach it."""
    REPLACE = "replace"
    """Changed content: upload the new version, attach it, and once it is indexed detach
    and delete the old one."""
    RENAME = "rename"
    """Same content under another path: only its attributes change (no upload)."""
    RECHUNK = "rechunk"
    """Same content, another chunking strategy: detached and attached again (no upload)."""
    DELETE = "delete"
    """No manifest names it any more: detach it and delete the upload."""
    DETACH = "detach"
    """Attached by hand to a managed store, not our upload: detached, never deleted."""


class FileChange(_Frozen):
    """One file to upload, replace, rename, re-chunk, delete or detach."""

    action: FileAction
    path: str
    """The path it is declared under (for a delete or detach: the path it had)."""
    old_path: str | None = None
    """What it was called (rename)."""
    size: int = 0
    """Bytes to upload (upload, replace), or the live file's size."""
    sha256: str | None = None
    local: str | None = Field(None, description="Where apply reads it from (upload, replace).")
    live_file_id: str | None = Field(
        None, description="The live file it concerns (replace: the old version).")
    upload_id: str | None = Field(
        None, description="An upload of ours with this content that nothing else will use "
                          "(left by an interrupted apply, or the store being replaced): "
                          "attached instead of uploading again.")
    reason: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> FileChange:
        uploads = self.action in (FileAction.UPLOAD, FileAction.REPLACE)
        if uploads != (self.local is not None):
            raise ValueError("a file is read from disk exactly when it is uploaded")
        if (self.action is FileAction.UPLOAD) != (self.live_file_id is None):
            raise ValueError("every file change but an upload concerns a live file")
        if (self.action is FileAction.RENAME) != (self.old_path is not None):
            raise ValueError("old_path is set exactly on a rename")
        if self.upload_id is not None and not uploads:
            raise ValueError("only an upload or a replace can reuse an upload")
        return self

    @property
    def uploads(self) -> bool:
        """Whether apply sends the file's content."""
        return self.action in (FileAction.UPLOAD, FileAction.REPLACE) and self.upload_id is None

    @property
    def attaches(self) -> bool:
        """Whether apply attaches a new file id (uploaded now, or reused)."""
        return self.action in (FileAction.UPLOAD, FileAction.REPLACE)


class Price(_Frozen):
    """A model's price per million tokens, as the catalog says, else this release's model
    calendar (OpenAI's list price); None where neither says."""

    model: str
    input_per_1m_tokens: float | None = None
    output_per_1m_tokens: float | None = None
    currency: str = "USD"
    source: Literal["catalog", "calendar"] | None = Field(
        None, description="Who gave the price: the ModelCatalog, or the model calendar this "
                          "release ships (null: no price is known).")


class ModelCost(_Frozen):
    """The catalog's prices of the model a change leaves, and of the one it sets."""

    before: Price
    after: Price


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
    action_reason: ActionReason | None = Field(
        None, description="Why, beyond the action (none: a plain create or update).")
    required_replace: tuple[str, ...] = Field(
        (), description="The fields whose change forces the replacement.")
    reason: str | None = Field(None, description="Why, for display: rendered from "
                                                 "action_reason.")
    body: dict[str, Any] | None = Field(None, description="The request body apply sends.")
    fingerprint: str | None = Field(None, description="Of the live object when planned.")
    source: str | None = None
    depends_on: tuple[str, ...] = ()
    files: tuple[FileChange, ...] = Field(
        (), description="Repository files to upload, replace, rename or delete with it.")
    chunking_strategy: dict[str, Any] | None = Field(
        None, description="A store's chunking strategy for the files it attaches.")
    unknowns: tuple[Unknown, ...] = Field(
        (), description="Values of body known only during apply, by their position.")
    duplicate_of: str | None = Field(
        None, description="A duplicate to delete: the live id of the copy that is kept.")
    moved_from: str | None = Field(
        None, description="A move: the address the object had (reconciler/moved-from).")
    cost: ModelCost | None = Field(
        None, description="When the change sets another model: both models' catalog prices.")

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
        if self.action is Action.UPDATE and not (self.fields or self.files):
            raise ValueError("an update changes at least one field or file")
        if any(value_at(self.body, u.at) != u.text for u in self.unknowns):
            raise ValueError("each unknown value's position in body holds its text")
        if self.action_reason is not None and self.reason != because(
                self.action_reason, self.required_replace,
                duplicate_of=self.duplicate_of, moved_from=self.moved_from)["reason"]:
            raise ValueError("reason is the text of action_reason")
        if (self.moved_from is None) == (self.action_reason is ActionReason.MOVED):
            raise ValueError("moved_from is set exactly on a move")
        if (self.duplicate_of is None) == (
                self.action_reason is ActionReason.DELETE_BECAUSE_DUPLICATE):
            raise ValueError("duplicate_of is set exactly on the delete of a duplicate")
        return self

    @property
    def key(self) -> str:
        """What identifies the change in a plan: its address, and for the delete of a
        duplicate (which shares the address of the copy kept) also the live id."""
        return self.address if self.duplicate_of is None else f"{self.address}@{self.live_id}"


def value_at(body: Any, at: tuple[str | int, ...]) -> Any:
    """The value at a path of a JSON tree (None when there is none)."""
    for key in at:
        try:
            body = body[key]
        except (KeyError, IndexError, TypeError):
            return None
    return body


def _sha256(data: Any) -> str:
    import hashlib
    import json

    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


class UnmanagedObject(_Frozen):
    """A live object no manifest manages: never changed, listed for `import`."""

    kind: ResourceKind
    id: str
    name: str | None = None
    model: str | None = None


class ForeignObject(_Frozen):
    """A live object managed by another scope (another repository in the same OpenAI
    project): never read further, changed or deleted."""

    kind: ResourceKind
    id: str
    name: str
    scope: str


class Summary(_Frozen):
    """Counts, Terraform style: a replace counts as one create and one delete."""

    create: int
    update: int
    delete: int
    replace: int
    unchanged: int
    unmanaged: int
    upload_files: int = 0
    upload_bytes: int = 0
    delete_files: int = 0


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
    scope: str | None = Field(None, description="The scope whose objects the plan manages.")
    environment: str | None = Field(
        None, description="The environment of reconciler.yaml it was made in (--env).")
    foreign: tuple[ForeignObject, ...] = Field(
        (), description="Objects of other scopes: never touched.")
    kept: tuple[str, ...] = Field(
        (), description="Managed objects no manifest of the given PATHS declares, kept "
                        "because the plan was made for PATHS without --prune.")
    paths: tuple[str, ...] = Field(
        (), description="The PATHS the plan was made for (none: the configured manifests).")
    replace: tuple[str, ...] = ()
    prune: bool = False
    allow_mass_delete: bool = False
    refresh_full: bool = Field(
        False, description="Made with --refresh=full: every managed store's files listed.")
    digest: str | None = Field(
        None, description="sha256 of the changes, the endpoint, the scope and the selection "
                          "(`saved_digest`), set when saved; a consistency check, not a "
                          "signature: apply plans again and refuses other changes.")

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    def changes_digest(self) -> str:
        """A hash of every change, body and file: what apply would do, and to what."""
        return _sha256([c.model_dump(mode="json") for c in self.changes])

    def saved_digest(self) -> str:
        """A hash of the changes and of everything `apply FILE` plans again with."""
        return _sha256({"changes": self.changes_digest(), "endpoint": self.endpoint,
                        "scope": self.scope, "paths": self.paths, "targets": self.targets,
                        "replace": self.replace, "no_delete": self.no_delete,
                        "prune": self.prune, "allow_mass_delete": self.allow_mass_delete,
                        "refresh_full": self.refresh_full,
                        **({"environment": self.environment} if self.environment else {})})

    def summary(self) -> Summary:
        count = {action: 0 for action in Action}
        for change in self.changes:
            count[change.action] += 1
        files = [f for change in self.changes for f in change.files]
        uploads = [f for f in files if f.uploads]
        deletes = [f for f in files if f.action in (FileAction.DELETE, FileAction.REPLACE)]
        return Summary(create=count[Action.CREATE] + count[Action.REPLACE],
                       update=count[Action.UPDATE],
                       delete=count[Action.DELETE] + count[Action.REPLACE],
                       replace=count[Action.REPLACE], unchanged=len(self.unchanged),
                       unmanaged=len(self.unmanaged), upload_files=len(uploads),
                       upload_bytes=sum(f.size for f in uploads), delete_files=len(deletes))
