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
