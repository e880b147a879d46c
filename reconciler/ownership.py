"""Ownership marks: which metadata keys on a live object say that the reconciler manages it.

No state file is needed: a live object belongs to a manifest when its metadata carries
`managed-by` and `reconciler-name`. Users may not set these keys themselves.
"""

from __future__ import annotations

MANAGED_BY_KEY = "managed-by"
MANAGED_BY_VALUE = "assistants-reconciler"
NAME_KEY = "reconciler-name"
DIGEST_KEY = "reconciler-digest"

RESERVED_KEYS = (MANAGED_BY_KEY, NAME_KEY, DIGEST_KEY)
RESERVED_KEY_PATTERN = r"^(managed-by|reconciler-.*)$"
"""Keys a manifest may not set: `managed-by` and anything starting with `reconciler-`."""

USER_METADATA_LIMIT = 16 - len(RESERVED_KEYS)

PREVENT_DESTROY_MARK = "+prevent_destroy"
ADOPT_ANNOTATION = "reconciler/adopt-id"
"""A manifest annotation naming an unmanaged live object to take over (written by import)."""


def marks(name: str, digest: str) -> dict[str, str]:
    """The metadata entries that say the reconciler manages an object for manifest `name`."""
    return {MANAGED_BY_KEY: MANAGED_BY_VALUE, NAME_KEY: name, DIGEST_KEY: digest}


def owner(metadata: dict[str, str] | None) -> str | None:
    """The manifest name a live object belongs to, or None when we do not manage it."""
    if not metadata or metadata.get(MANAGED_BY_KEY) != MANAGED_BY_VALUE:
        return None
    return metadata.get(NAME_KEY) or None


def user_metadata(metadata: dict[str, str] | None) -> dict[str, str]:
    """Metadata without the ownership marks."""
    return {k: v for k, v in (metadata or {}).items() if k not in RESERVED_KEYS}


def digest_value(content_hash: str, *, prevent_destroy: bool) -> str:
    """The digest mark: a hash of the desired state, and whether destroying is forbidden."""
    return content_hash + (PREVENT_DESTROY_MARK if prevent_destroy else "")


def split_digest(value: str | None) -> tuple[str | None, bool]:
    """(content hash, prevent_destroy) of a digest mark."""
    if not value:
        return None, False
    if value.endswith(PREVENT_DESTROY_MARK):
        return value[: -len(PREVENT_DESTROY_MARK)], True
    return value, False
