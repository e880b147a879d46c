"""One comparable form for desired and live objects, with the API's defaults made explicit.

A field omitted in a manifest means the API default, so both sides are filled from the same
defaults (those the `openai` package documents for each field; each kind's `defaults`)
before they are compared, and brought to one shape by the kind's `normalize`. Server-set
fields (id, object, timestamps) and the ownership marks are left out. Inside tools, null and
absent mean the same and are dropped.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from reconciler import ownership
from reconciler.jsontree import copy_tree, drop_none
from reconciler.model.desired import DesiredResource
from reconciler.model.kindspec import registry
from reconciler.provider import LiveObject


def comparable(kind: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Return the comparable form of an object's API fields (desired body or live object)."""
    spec = registry().get(kind)
    result: dict[str, Any] = {}
    for name, default in spec.defaults.items():
        value = fields.get(name)
        # values are not copied: every container changed below is built anew
        result[name] = copy_tree(default) if value is None else value
    result["metadata"] = ownership.user_metadata(result["metadata"])
    for name in spec.float_fields:
        if isinstance(result[name], int | float):
            result[name] = float(result[name])
    if spec.normalize is not None:
        spec.normalize(result)
    return result


def desired_comparable(resource: DesiredResource) -> dict[str, Any]:
    return comparable(resource.kind, resource.body)


def live_comparable(live: LiveObject) -> tuple[dict[str, Any], frozenset[str]]:
    """The comparable form of a live object, and the fields the server did not return."""
    unknown = frozenset(f for f in registry().get(live.kind).body_fields if f not in live.raw)
    return comparable(live.kind, live.raw), unknown


def content_hash(form: dict[str, Any]) -> str:
    """A short, stable hash of a comparable form."""
    text = json.dumps(form, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def fingerprint(live: LiveObject) -> str:
    """A hash of everything the API returned for an object that only a write changes."""
    volatile = registry().get(live.kind).volatile
    return content_hash({k: v for k, v in live.raw.items() if k not in volatile})


def files_digest(resource: DesiredResource) -> str:
    """A hash of a resource's repository files (paths and contents) and their chunking."""
    return content_hash({"files": sorted([f.path, f.sha256] for f in resource.files),
                         "chunking": resource.chunking_strategy})


def manifest_digest(resource: DesiredResource) -> str:
    """A hash of everything a manifest declares (with the contents of its files)."""
    return content_hash({"body": desired_comparable(resource),
                         "files": files_digest(resource), "stores": list(resource.store_refs)})


def to_request(kind: str, form: dict[str, Any], marks: dict[str, str],
               *, only: set[str] | None = None) -> dict[str, Any]:
    """Turn a comparable form into an API request body, with the ownership marks.

    `only` limits the body to those fields (and metadata, which carries the marks): an update
    sends what changes; every other field stays as it is live.
    """
    spec = registry().get(kind)
    body: dict[str, Any] = {}
    for name in spec.body_fields:
        if only is not None and name not in only:
            continue
        value = form[name]
        if value is None and only is None and not spec.null_on_create:
            continue
        body[name] = drop_none(value) if isinstance(value, dict | list) else value
    body["metadata"] = {**form["metadata"], **marks}
    return body
