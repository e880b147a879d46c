"""The narrow interface between the engine and a live API: read all, retrieve one, create,
update, delete.

Manifests, diff and rendering never see HTTP: they see `LiveObject`s and the errors below.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator

from reconciler import ownership
from reconciler.errors import ReconcilerError
from reconciler.model.desired import ResourceKind
from reconciler.model.kindspec import Address


class LiveStoreFile(BaseModel):
    """One file attached to a live vector store, as the API lists it (the fields planning
    reads)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    status: str | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)
    chunking_strategy: dict[str, Any] | None = None
    last_error: dict[str, Any] | None = None

    @field_validator("attributes", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return {} if value is None else value

    @property
    def path(self) -> str | None:
        """The repository path we attached it under (None: not attached by us)."""
        value = self.attributes.get(ownership.PATH_ATTRIBUTE)
        return value if isinstance(value, str) else None

    @property
    def sha256(self) -> str | None:
        """The content hash we attached it with (None: not attached by us)."""
        value = self.attributes.get(ownership.SHA_ATTRIBUTE)
        return value if isinstance(value, str) else None


class LiveObject(BaseModel):
    """One live vector store, assistant, agent or upload, as the API returned it."""

    model_config = ConfigDict(frozen=True)

    kind: ResourceKind
    id: str
    created_at: int
    raw: dict[str, Any]
    """The API object as returned, every field."""
    files: tuple[LiveStoreFile, ...] | None = None
    """A vector store's files as listed (None: not listed, its recorded digest matched)."""

    @property
    def address(self) -> Address | None:
        """The address of the manifest whose ownership marks it carries (None: unmanaged)."""
        name = ownership.owner(self.raw.get("metadata"))
        return None if name is None else Address(self.kind, name)


@dataclass
class LiveState:
    """Everything read from the API for one plan: the objects, the models listed, and why a
    kind could not be read (its API is not served)."""

    objects: list[LiveObject] = field(default_factory=list)
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    unsupported: dict[str, str] = field(default_factory=dict)


def claims(live: Iterable[LiveObject]) -> dict[str, list[LiveObject]]:
    """Managed objects by the address they claim; more than one on an address is a conflict
    (two applies at once, or marks copied by hand)."""
    found: dict[str, list[LiveObject]] = {}
    for obj in live:
        if obj.address is not None:
            found.setdefault(str(obj.address), []).append(obj)
    return found


class ProviderError(ReconcilerError):
    """A call to the API failed."""

    def __init__(self, message: str, *, status: int | None = None, hint: str | None = None
                 ) -> None:
        super().__init__(message, hint=hint)
        self.status = status


class TransientError(ProviderError):
    """Worth retrying: 429, 5xx, timeouts, dropped connections. The outcome of a write that
    failed this way is unknown: it may have been stored."""

    def __init__(self, message: str, *, status: int | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class RejectedError(ProviderError):
    """The API refused the request (4xx other than 404 and 429); retrying will not help."""


class NotFoundError(ProviderError):
    """The object does not exist (any more)."""


class UnsupportedError(ProviderError):
    """The server does not serve this API at all (e.g. an OpenAI-compatible server without
    `/v1/agents`, or OpenAI after the Assistants API sunset)."""


class Provider(Protocol):
    """Live objects of one kind."""

    kind: ResourceKind

    def read_all(self) -> list[LiveObject]:
        """Every object of this kind, in ceil(N/100) list requests."""

    def retrieve(self, object_id: str) -> LiveObject:
        """One object as it is now (one GET); NotFoundError when it does not exist."""

    def create(self, body: dict[str, Any]) -> LiveObject:
        """Create an object from an API request body."""

    def update(self, object_id: str, body: dict[str, Any]) -> LiveObject:
        """Update an object with an API request body."""

    def delete(self, object_id: str) -> None:
        """Delete an object."""

    def find_recent(self, since: int) -> list[LiveObject]:
        """Objects created at or after `since` (newest first; pages stop at older ones)."""
