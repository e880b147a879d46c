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
    files: tuple[FileChange, ...] = Field(
        (), description="Repository files to upload, replace, rename or delete with it.")
    chunking_strategy: dict[str, Any] | None = Field(
        None, description="A store's chunking strategy for the files it attaches.")

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

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

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
