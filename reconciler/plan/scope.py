"""Which live objects a plan may touch: those of its scope, and the unmanaged ones it may
adopt. Objects whose marks name another scope (another repository sharing the OpenAI
project) are set aside before planning: the diff never sees them, so nothing can change or
delete them; the plan only lists them. Pure: no I/O.

Marks without a scope (written before the project set one) belong to every scope's plan:
the next apply adopts them into its scope, and the plan shows it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from reconciler import ownership
from reconciler.model.kindspec import FileUse, registry
from reconciler.plan.model import ForeignObject
from reconciler.provider import LiveObject


class Partition(NamedTuple):
    """The live objects of one plan's scope (and the unmanaged ones), and the others."""

    ours: list[LiveObject]
    foreign: list[ForeignObject]

    def managed_count(self) -> int:
        """How many objects (not uploads; duplicates too) the scope manages: what a mass
        delete is measured against."""
        return sum(1 for o in self.ours if o.address is not None
                   and registry().get(o.kind).files is not FileUse.UPLOAD)


def partition(live: Iterable[LiveObject], scope: str | None) -> Partition:
    """Split `live` into what a plan of `scope` may touch and what belongs to other
    scopes."""
    ours: list[LiveObject] = []
    foreign: list[ForeignObject] = []
    for obj in live:
        other = _other_scope(obj, scope)
        if other is None:
            ours.append(obj)
        else:
            foreign.append(ForeignObject(kind=obj.kind, id=obj.id, name=_name(obj),
                                         scope=other))
    foreign.sort(key=lambda f: (f.scope, f.kind, f.name, f.id))
    return Partition(ours, foreign)


def _other_scope(obj: LiveObject, scope: str | None) -> str | None:
    """The scope `obj` belongs to when it is not `scope`'s (None: ours, or unmanaged)."""
    if registry().get(obj.kind).files is FileUse.UPLOAD:
        filename = obj.raw.get("filename")
        if ownership.uploaded_sha(filename) is None:
            return None
        found = ownership.uploaded_scope(filename)
    else:
        if obj.address is None:
            return None
        found = ownership.owner_scope(obj.raw.get("metadata"))
    return None if ownership.ours(found, scope) else found


def _name(obj: LiveObject) -> str:
    if obj.address is not None:
        return obj.address.name
    return ownership.uploaded_path(obj.raw.get("filename"))
