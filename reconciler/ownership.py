"""Ownership marks: which metadata keys on a live object say that the reconciler manages it.

No state file is needed: a live object belongs to a manifest when its metadata carries
`managed-by` and `reconciler-name`, and to a scope (one repository's objects in a shared
OpenAI project, `scope:` in reconciler.yaml) by `reconciler-scope`. Marks without a scope were
written before scopes existed (or by a project that sets none). Users may not set these keys
themselves.

Uploads have no metadata: ours carry the mark in their name, `reconciler-<sha256>-<basename>`
(`reconciler@<scope>-<sha256>-<basename>` in a scope), which says they may be deleted once
nothing of their scope uses them, and which content each holds. A
vector store's files also record their path and sha256 in their `attributes`.
"""

from __future__ import annotations

import os
import re

MANAGED_BY_KEY = "managed-by"
MANAGED_BY_VALUE = "assistants-reconciler"
NAME_KEY = "reconciler-name"
DIGEST_KEY = "reconciler-digest"
SCOPE_KEY = "reconciler-scope"

RESERVED_KEYS = (MANAGED_BY_KEY, NAME_KEY, DIGEST_KEY, SCOPE_KEY)
RESERVED_KEY_PATTERN = r"^(managed-by|reconciler-.*)$"
"""Keys a manifest may not set: `managed-by` and anything starting with `reconciler-`."""

USER_METADATA_LIMIT = 16 - len(RESERVED_KEYS)
"""The API allows 16 metadata keys; the marks take 4 (the scope key only when one is set,
but a project may set one later), so manifests keep 12."""

SCOPE_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$"
"""A scope: lower-case letters, digits and inner dashes, at most 40 characters."""

PREVENT_DESTROY_MARK = "+prevent_destroy"
FILES_MARK = "+files:"
"""In a vector store's digest: a hash of the file set last applied in full."""
ADOPT_ANNOTATION = "reconciler/adopt-id"
MOVED_ANNOTATION = "reconciler/moved-from"
"""A manifest's former name: its live object is renamed in place (Terraform's `moved`)."""
"""A manifest annotation naming an unmanaged live object to take over (written by import)."""


def marks(name: str, digest: str, scope: str | None = None) -> dict[str, str]:
    """The metadata entries that say the reconciler manages an object for manifest `name`
    (in `scope`, when the project sets one)."""
    found = {MANAGED_BY_KEY: MANAGED_BY_VALUE, NAME_KEY: name, DIGEST_KEY: digest}
    if scope is not None:
        found[SCOPE_KEY] = scope
    return found


def owner(metadata: dict[str, str] | None) -> str | None:
    """The manifest name a live object belongs to, or None when we do not manage it."""
    if not metadata or metadata.get(MANAGED_BY_KEY) != MANAGED_BY_VALUE:
        return None
    return metadata.get(NAME_KEY) or None


def owner_scope(metadata: dict[str, str] | None) -> str | None:
    """The scope a managed object's marks name (None: no scope, or not managed)."""
    if owner(metadata) is None:
        return None
    return (metadata or {}).get(SCOPE_KEY) or None


def ours(object_scope: str | None, scope: str | None) -> bool:
    """Whether marks of `object_scope` belong to a project of `scope`: the same scope, or no
    scope (marks written before the project set one, which its next apply adopts)."""
    return object_scope is None or object_scope == scope


def user_metadata(metadata: dict[str, str] | None) -> dict[str, str]:
    """Metadata without the ownership marks."""
    return {k: v for k, v in (metadata or {}).items() if k not in RESERVED_KEYS}


def digest_value(content_hash: str, *, prevent_destroy: bool, files: str | None = None) -> str:
    """The digest mark: a hash of the desired state, of a store's files once they are all
    attached and indexed, and whether destroying is forbidden."""
    return (content_hash + (FILES_MARK + files if files else "")
            + (PREVENT_DESTROY_MARK if prevent_destroy else ""))


def split_digest(value: str | None) -> tuple[str | None, bool]:
    """(content hash, prevent_destroy) of a digest mark."""
    if not value:
        return None, False
    guarded = value.endswith(PREVENT_DESTROY_MARK)
    if guarded:
        value = value[: -len(PREVENT_DESTROY_MARK)]
    return value.split(FILES_MARK, 1)[0], guarded


def files_pending(value: str) -> str:
    """A digest mark without its files hash: the files are not all applied yet."""
    content_hash, guarded = split_digest(value)
    return digest_value(str(content_hash), prevent_destroy=guarded)


def recorded_files(value: str | None) -> str | None:
    """The files hash of a vector store's digest mark, if its files were last applied in
    full."""
    if not value or FILES_MARK not in value:
        return None
    return value.split(FILES_MARK, 1)[1].removesuffix(PREVENT_DESTROY_MARK)


UPLOAD_PREFIX = "reconciler"
UPLOAD_NAME = re.compile(r"^reconciler(?:@([a-z0-9-]{1,40}))?-([0-9a-f]{64})-(.+)$")
PATH_ATTRIBUTE = "reconciler-path"
SHA_ATTRIBUTE = "reconciler-sha256"


def upload_name(sha256: str, path: str, scope: str | None = None) -> str:
    """The name an upload gets: our mark (with the scope), its content hash, and its base
    name."""
    mark = UPLOAD_PREFIX + (f"@{scope}" if scope else "")
    return f"{mark}-{sha256}-{os.path.basename(path)}"


def uploaded_sha(filename: str | None) -> str | None:
    """The content hash of one of our uploads, or None for a file that is not ours."""
    found = UPLOAD_NAME.match(filename or "")
    return found.group(2) if found else None


def uploaded_scope(filename: str | None) -> str | None:
    """The scope one of our uploads was made in (None: none, or not ours)."""
    found = UPLOAD_NAME.match(filename or "")
    return found.group(1) if found else None


def uploaded_path(filename: str | None) -> str:
    """The base name an upload of ours was made from."""
    found = UPLOAD_NAME.match(filename or "")
    return found.group(3) if found else str(filename)


def file_attributes(path: str, sha256: str) -> dict[str, str]:
    """What a store file records about itself: where it comes from and what it holds."""
    return {PATH_ATTRIBUTE: path, SHA_ATTRIBUTE: sha256}
