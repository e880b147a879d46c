"""Compare desired with live state: `diff(desired, live) -> Plan`.

Pure: no network, no writes, no clock. Every problem that makes a plan unsafe (a name another
scope owns, a destroy that `prevent_destroy` forbids, an unknown target) is collected and
raised together as one `PlanError`. `live` holds only the objects of the plan's scope and the
unmanaged ones (`plan.scope.partition`); several managed copies of one name (two applies at
once before the lock existed, or marks copied by hand) are recovered: the oldest is kept and
the others are deleted.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from typing import Any

from deepdiff import DeepDiff
from deepdiff.helper import notpresent

from reconciler import ownership
from reconciler.diagnostics import Code, Diagnostics
from reconciler.errors import ManifestError
from reconciler.manifests.structure import did_you_mean
from reconciler.model.desired import DesiredResource
from reconciler.model.kindspec import Address, FileUse, UpdateMode, registry
from reconciler.plan import files as file_plan
from reconciler.plan.model import (
    Action,
    ActionReason,
    FieldChange,
    FileChange,
    ForeignObject,
    Plan,
    ResourceChange,
    Unknown,
    UnmanagedObject,
    because,
    value_at,
)
from reconciler.plan.normalize import (
    content_hash,
    files_digest,
    fingerprint,
    live_comparable,
    manifest_digest,
    to_request,
)
from reconciler.plan.resolve import Context, code_file_ids, expired, orphans, resolved
from reconciler.provider import LiveObject, claims

INDEXED = "files.indexed"
"""A store whose files are as declared, but not yet recorded as all indexed."""
SCOPED = f"metadata.{ownership.SCOPE_KEY}"
"""An object whose marks name no scope yet: adopted into the plan's."""


class PlanError(ManifestError):
    """The plan cannot be made safely; `diagnostics` holds every reason, each where the
    manifest concerned is (when one is)."""

    def __init__(self, problems: Diagnostics) -> None:
        super().__init__(problems)
        count = problems.count_errors()
        self.message = f"cannot plan: {count} problem{'s' if count != 1 else ''}"
        self.problems = [d.message for d in problems]


def diff(desired: Sequence[DesiredResource], live: Sequence[LiveObject], *, endpoint: str,
         targets: Sequence[str] = (), replace: Sequence[str] = (), no_delete: bool = False,
         warnings: Sequence[str] = (), scope: str | None = None,
         foreign: Sequence[ForeignObject] = (), prune: bool = True) -> Plan:
    """Return the plan that makes `live` match `desired`. Pure: no I/O.

    `live` is what `scope` may touch; `foreign` lists the objects of other scopes (a
    manifest may not claim their names). Without `prune` (or with `no_delete`), managed
    objects no manifest declares are kept and listed as such."""
    problems = Diagnostics()
    context = Context(live, scope)
    wanted = {r.address: r for r in sorted(
        desired, key=lambda r: registry().get(r.kind).plan_order or 0)}
    _check_foreign(wanted, foreign, problems)
    managed, unmanaged, duplicates = _index_live(context.objects)
    context.managed = managed
    notes: list[str] = []
    adopted = _adoptions(wanted, managed, unmanaged, live, problems, notes)
    moved = _moves(wanted, managed, problems, notes)
    _check_addresses(list(targets) + list(replace), wanted, managed, problems)
    chosen = set(targets) if targets else None
    changes: list[ResourceChange] = []
    unchanged: list[str] = []
    left_out = 0
    for address, resource in wanted.items():
        if chosen is not None and address not in chosen:
            left_out += _pending(resource, adopted.get(address) or managed.get(address),
                                 context, scope)
            continue
        obj = adopted.get(address) or managed.get(address)
        after, files, depends_on, unknowns = resolved(resource, obj, context, problems,
                                                       replacing=address in replace)
        if address in adopted:
            change: ResourceChange | None = _adopt(resource, after, obj, files, depends_on,
                                                   scope)
        elif address in moved:
            change = _move(_compare(resource, after, obj, forced=address in replace,
                                    scope=scope, problems=problems, files=files,
                                    depends_on=depends_on), resource, after, obj, scope,
                           moved[address])
        else:
            change = _compare(resource, after, obj, forced=address in replace, scope=scope,
                              problems=problems, files=files, depends_on=depends_on)
        if change is not None and unknowns:
            change = change.model_copy(update={"unknowns": _held(change.body, unknowns)})
        context.planned[address] = change
        if change is None:
            unchanged.append(address)
        else:
            changes.append(change)
    undeclared = [a for a in managed if a not in wanted and (chosen is None or a in chosen)]
    if chosen is not None:
        left_out += sum(1 for a in managed if a not in wanted and a not in chosen) if prune \
            and not no_delete else 0
        notes.append(f"resource targeting is in effect (--target): {left_out} other pending "
                     f"change{'s' if left_out != 1 else ''} not in this plan; it is not the "
                     "whole picture: plan without --target before relying on it")
    # marks without a scope in a scoped plan: adopted only when a manifest declares them
    # (another repository may have made them before scopes existed); never deleted
    unscoped = [a for a in undeclared if scope is not None and ownership.owner_scope(
        managed[a].raw.get("metadata")) is None]
    undeclared = [a for a in undeclared if a not in unscoped]
    notes += [f"{a} ({managed[a].id}) is marked without a scope and no manifest declares it: "
              f"left alone (another repository's from before scopes?); declare it to adopt "
              "it into this scope, or delete it by hand" for a in unscoped]
    deleting = prune and not no_delete
    if deleting:
        changes += [_delete(a, managed[a], context, problems) for a in undeclared]
        changes += [_duplicate(copy, managed[a], problems) for a, copies in duplicates.items()
                    if chosen is None or a in chosen for copy in copies]
        if chosen is None:
            changes += orphans(context)
    if problems.has_errors:
        raise PlanError(problems)
    notes += _renames(changes)
    adopted_ids = {obj.id for obj in adopted.values()}
    kept_duplicates = [] if deleting else [
        f"{a}: {len(c)} duplicate(s) kept ({', '.join(o.id for o in c)}): "
        "a plan that may delete removes them" for a, c in duplicates.items()]
    return Plan(endpoint=endpoint, changes=tuple(changes), unchanged=tuple(unchanged),
                unmanaged=tuple(u for u in unmanaged if u.id not in adopted_ids),
                warnings=(*warnings, *notes, *kept_duplicates), targets=tuple(targets),
                no_delete=no_delete, scope=scope, foreign=tuple(foreign),
                kept=() if deleting else tuple(undeclared), replace=tuple(replace),
                prune=prune,
                desired_digests={a: manifest_digest(r) for a, r in wanted.items()})


def _check_foreign(wanted: dict[str, DesiredResource], foreign: Sequence[ForeignObject],
                   problems: Diagnostics) -> None:
    """A manifest may not claim a name another scope manages."""
    owners: dict[str, list[ForeignObject]] = {}
    for obj in foreign:
        owners.setdefault(str(Address(obj.kind, obj.name)), []).append(obj)
    for address, resource in wanted.items():
        for obj in owners.get(address, ())[:1]:
            problems.error(Code.SCOPE_CONFLICT, f"{address} is managed by scope '{obj.scope}' "
                           f"({obj.id}), not by this project's", resource.source,
                           path="metadata.name",
                           hint="rename the manifest, or manage it from the project whose "
                                f"reconciler.yaml says scope: {obj.scope}")


def _adoptions(wanted: dict[str, DesiredResource], managed: dict[str, LiveObject],
               unmanaged: list[UnmanagedObject], live: Sequence[LiveObject],
               problems: Diagnostics, warnings: list[str]) -> dict[str, LiveObject]:
    """Manifests that take over an unmanaged object (annotation `reconciler/adopt-id`).

    An id no live object has (the manifests planned against another endpoint, or the object
    deleted since) is planned as a create, with a warning: it never blocks a plan."""
    by_id = {obj.id: obj for obj in live}
    free = {u.id for u in unmanaged}
    adopted: dict[str, LiveObject] = {}
    for address, resource in wanted.items():
        object_id = resource.annotations.get(ownership.ADOPT_ANNOTATION)
        if object_id is None or address in managed:
            continue
        obj = by_id.get(object_id)
        where = f"metadata.annotations.{ownership.ADOPT_ANNOTATION}"
        if obj is None:
            warnings.append(f"{resource.source}: {address} adopts {object_id} "
                            f"({ownership.ADOPT_ANNOTATION}), which no live object here has: "
                            "planned as a create; remove the annotation once the object is "
                            "adopted")
        elif obj.kind != resource.kind:
            problems.error(Code.ADOPT_NOT_FOUND,
                           f"{address} adopts {object_id} ({ownership.ADOPT_ANNOTATION}), "
                           f"which is {_a(obj.kind)}, not {_a(resource.kind)}", resource.source,
                           path=where, hint="fix the id, or remove the annotation to create "
                                            "a new object")
        elif object_id not in free:
            owner = ownership.owner(obj.raw.get("metadata"))
            problems.error(Code.ADOPT_TAKEN, f"{address} adopts {object_id}, which is already "
                           f"managed as {Address(resource.kind, str(owner))}",
                           resource.source, path=where)
        else:
            adopted[address] = obj
    return adopted


def _a(kind: str) -> str:
    return ("an " if kind[:1] in "AEIOU" else "a ") + kind


def _adopt(resource: DesiredResource, after: dict[str, Any], obj: LiveObject | None,
           files: list[FileChange], depends_on: tuple[str, ...],
           scope: str | None) -> ResourceChange:
    """Take over an unmanaged object: an update that adds the ownership marks (and makes any
    field that differs match the manifest)."""
    assert obj is not None
    before, unknown = live_comparable(obj)
    marks = _marks(resource, after, scope)
    effective = _ignoring(resource, after, before)
    fields = [FieldChange(path=f"metadata.{key}", op="add", after=value)
              for key, value in marks.items() if key != ownership.DIGEST_KEY]
    fields += field_changes(before, effective, unknown)
    return ResourceChange(
        address=resource.address, kind=resource.kind, name=resource.name,
        action=Action.UPDATE, live_id=obj.id, before=before, after=effective,
        fields=tuple(fields), **because(ActionReason.ADOPT),
        body=to_request(resource.kind, effective, marks, only=_update_fields(resource, fields)),
        fingerprint=fingerprint(obj), source=str(resource.source), files=tuple(files),
        depends_on=depends_on, chunking_strategy=resource.chunking_strategy)


def _pending(resource: DesiredResource, obj: LiveObject | None, context: Context,
             scope: str | None) -> int:
    """1 when a resource left out by --target has a change pending (planned apart, its
    problems not counted: only the count is said)."""
    scratch = Diagnostics()
    after, files, depends_on, _ = resolved(resource, obj, context, scratch, replacing=False)
    if scratch.has_errors:
        return 0
    change = _compare(resource, after, obj, forced=False, scope=scope, problems=scratch,
                      files=files, depends_on=depends_on)
    return int(change is not None)


def _renames(changes: Sequence[ResourceChange]) -> list[str]:
    """A create and a delete of one kind whose objects are alike but for their names: it
    looks like a renamed manifest, which a `reconciler/moved-from` annotation keeps."""
    def alike(form: dict[str, Any] | None) -> Any:
        kept = {k: v for k, v in (form or {}).items() if k != "metadata"}
        metadata = (form or {}).get("metadata") or {}
        kept["metadata"] = {k: v for k, v in metadata.items()
                            if k not in ownership.RESERVED_KEYS}
        return kept
    deletes = [c for c in changes if c.action is Action.DELETE
               and c.action_reason is ActionReason.DELETE_BECAUSE_NO_MANIFEST]
    notes = []
    for create in (c for c in changes if c.action is Action.CREATE):
        for delete in deletes:
            if delete.kind == create.kind and alike(delete.before) == alike(create.after):
                notes.append(f"{create.address} (created) and {delete.address} (deleted) "
                             f"are alike: renamed? To keep {delete.live_id} and its id, add "
                             f"metadata.annotations: {{{ownership.MOVED_ANNOTATION}: "
                             f"{delete.name}}} to {create.address}")
                break
    return notes


def _moves(wanted: dict[str, DesiredResource], managed: dict[str, LiveObject],
           problems: Diagnostics, notes: list[str]) -> dict[str, str]:
    """Manifests renamed with `reconciler/moved-from: OLD`: the object managed as KIND/OLD
    becomes theirs (moved in `managed`), renamed in place rather than deleted and made
    again. Returns the new address -> the old one."""
    moved: dict[str, str] = {}
    where = f"metadata.annotations.{ownership.MOVED_ANNOTATION}"
    for address, resource in wanted.items():
        old_name = resource.annotations.get(ownership.MOVED_ANNOTATION)
        if old_name is None:
            continue
        old = str(Address(resource.kind, old_name))
        if ownership.ADOPT_ANNOTATION in resource.annotations:
            problems.error(Code.INVALID_VALUE, f"{address} both adopts an object "
                           f"({ownership.ADOPT_ANNOTATION}) and moves from {old}",
                           resource.source, path=where, hint="keep one of the two annotations")
        elif old in wanted:
            problems.error(Code.INVALID_VALUE, f"{address} has moved from {old}, which a "
                           "manifest still declares", resource.source, path=where,
                           hint=f"remove the manifest of {old}, or the annotation")
        elif address in managed:
            if old in managed:
                problems.error(Code.INVALID_VALUE, f"{address} has moved from {old}, but both "
                               f"are live ({managed[old].id} and {managed[address].id})",
                               resource.source, path=where,
                               hint="remove the annotation: the plan then deletes the old one")
            else:
                notes.append(f"{resource.source}: {address} has moved from {old} already: "
                             f"remove the {ownership.MOVED_ANNOTATION} annotation")
        elif old in managed:
            managed[address] = managed.pop(old)
            moved[address] = old
        else:
            notes.append(f"{resource.source}: {address} moves from {old} "
                         f"({ownership.MOVED_ANNOTATION}), which is not live here: planned "
                         "as a create")
    return moved


def _move(change: ResourceChange | None, resource: DesiredResource, after: dict[str, Any],
          obj: LiveObject | None, scope: str | None, old: str) -> ResourceChange | None:
    """A renamed manifest's object, updated in place: the change `_compare` makes of it
    (fields, files, a replacement a field or --replace forces), with its name mark
    re-written; its id stays. A replacement stays one: the object is made anew."""
    assert obj is not None
    if change is not None and change.action is Action.REPLACE:
        return change
    renamed = FieldChange(path=f"metadata.{ownership.NAME_KEY}", op="change",
                          before=Address.parse(old).name, after=resource.name)
    if change is not None:
        return change.model_copy(update={"fields": (renamed, *change.fields),
                                         **because(ActionReason.MOVED, moved_from=old)})
    before, _ = live_comparable(obj)
    marks = _marks(resource, after, scope, _stored_files(resource))
    effective = _ignoring(resource, after, before)
    return ResourceChange(
        address=resource.address, kind=resource.kind, name=resource.name,
        action=Action.UPDATE, live_id=obj.id, before=before, after=effective,
        fields=(renamed,), **because(ActionReason.MOVED, moved_from=old),
        body=to_request(resource.kind, effective, marks,
                        only=_update_fields(resource, [renamed])),
        fingerprint=fingerprint(obj), source=str(resource.source),
        chunking_strategy=resource.chunking_strategy)


def _stored_files(resource: DesiredResource) -> str | None:
    """The digest of a store's declared files (None: the kind holds no store files)."""
    return files_digest(resource) if registry().get(resource.kind).files is FileUse.STORE \
        else None


def _marks(resource: DesiredResource, after: dict[str, Any], scope: str | None,
           stored_files: str | None = None) -> dict[str, str]:
    """The ownership marks a write of `resource`, as `after`, records."""
    return ownership.marks(resource.name, ownership.digest_value(
        content_hash(after), prevent_destroy=resource.lifecycle.prevent_destroy,
        files=stored_files), scope)


def _index_live(live: Iterable[LiveObject]) -> tuple[
        dict[str, LiveObject], list[UnmanagedObject], dict[str, list[LiveObject]]]:
    """The managed object of each address (the oldest when several claim it), the
    unmanaged objects, and the younger copies of each address claimed more than once."""
    live = list(live)
    unmanaged = [UnmanagedObject(kind=obj.kind, id=obj.id, name=obj.raw.get("name"),
                                 model=obj.raw.get("model"))
                 for obj in live if obj.address is None]
    managed: dict[str, LiveObject] = {}
    duplicates: dict[str, list[LiveObject]] = {}
    for address, objects in claims(live).items():
        oldest, *others = sorted(objects, key=lambda o: (o.created_at, o.id))
        managed[address] = oldest
        if others:
            duplicates[address] = others
    return managed, unmanaged, duplicates


def _duplicate(obj: LiveObject, kept: LiveObject, problems: Diagnostics) -> ResourceChange:
    """The delete of a younger copy of a managed object. Its files are left alone: the copy
    kept may use the same uploads (unused ones are deleted by a later plan)."""
    address = str(obj.address)
    if ownership.split_digest((obj.raw.get("metadata") or {}).get(ownership.DIGEST_KEY))[1]:
        problems.error(Code.PREVENT_DESTROY, f"{address} has duplicates to delete, but the copy "
                       f"{obj.id} was applied with lifecycle.prevent_destroy",
                       hint=f"remove the reconciler's metadata from {obj.id} by hand to keep "
                            "it unmanaged, or delete it")
    before, _ = live_comparable(obj)
    return ResourceChange(address=address, kind=obj.kind, name=Address.parse(address).name,
                          action=Action.DELETE, live_id=obj.id, before=before,
                          fingerprint=fingerprint(obj),
                          **because(ActionReason.DELETE_BECAUSE_DUPLICATE, duplicate_of=kept.id))


def _check_addresses(addresses: Iterable[str], wanted: dict[str, DesiredResource],
                     managed: dict[str, LiveObject], problems: Diagnostics) -> None:
    known = [*wanted, *(a for a in managed if a not in wanted)]
    for address in addresses:
        if address not in wanted and address not in managed:
            close = did_you_mean(address, known)
            problems.error(Code.UNKNOWN_ADDRESS, f"no resource {address} in the manifests or "
                           "the live state", hint=close or "addresses are KIND/NAME, e.g. "
                                                           "Assistant/support-bot")


def _compare(resource: DesiredResource, after: dict[str, Any], obj: LiveObject | None, *,
             forced: bool, scope: str | None, problems: Diagnostics, files: list[FileChange],
             depends_on: tuple[str, ...]) -> ResourceChange | None:
    """The change that makes `obj` match `resource` (None: in sync): its field changes, its
    action and reason, and the request body."""
    stored_files = _stored_files(resource)
    marks = _marks(resource, after, scope, stored_files)
    common = {"address": resource.address, "kind": resource.kind, "name": resource.name,
              "source": str(resource.source), "depends_on": depends_on, "files": tuple(files),
              "chunking_strategy": resource.chunking_strategy}
    if obj is None:
        return ResourceChange(action=Action.CREATE, after=after,
                              body=to_request(resource.kind, after, marks), **common)
    before, effective, fields = _fields(resource, after, obj, stored_files, files, scope)
    reason = _reason(resource, obj, fields, forced=forced)
    if not fields and reason is None and not files:
        return None
    live = {"live_id": obj.id, "before": before, "fingerprint": fingerprint(obj)}
    if reason is not None:
        if resource.lifecycle.prevent_destroy:
            problems.error(Code.PREVENT_DESTROY, f"{resource.address} has "
                           f"lifecycle.prevent_destroy, but the plan would replace it "
                           f"({obj.id})", resource.source, path="spec.lifecycle.prevent_destroy",
                           hint="remove prevent_destroy to allow it")
        return ResourceChange(action=Action.REPLACE, after=after, fields=tuple(fields),
                              body=to_request(resource.kind, after, marks), **reason,
                              **live, **common)
    only = [f.path for f in fields] if not files else []
    why = (because(ActionReason.UPDATE_TO_RECORD_INDEXED) if only == [INDEXED]
           else because(ActionReason.ADOPT_INTO_SCOPE) if only == [SCOPED] else {})
    return ResourceChange(action=Action.UPDATE, after=effective, fields=tuple(fields),
                          body=to_request(resource.kind, effective, marks,
                                          only=_update_fields(resource, fields)),
                          **why, **live, **common)


def _fields(resource: DesiredResource, after: dict[str, Any], obj: LiveObject,
            stored_files: str | None, files: list[FileChange], scope: str | None
            ) -> tuple[dict[str, Any], dict[str, Any], list[FieldChange]]:
    """The live object's comparable form, the desired one (ignored fields taken from the
    live one), and every field that differs (the scope mark too, when the live marks have
    none yet)."""
    before, unknown = live_comparable(obj)
    metadata = obj.raw.get("metadata") or {}
    digest = metadata.get(ownership.DIGEST_KEY)
    recorded_hash, recorded_guard = ownership.split_digest(digest)
    effective = _ignoring(resource, after, before)
    if recorded_hash == content_hash(after):
        for field in unknown:  # not returned by the server, but applied as declared
            before[field] = copy.deepcopy(effective[field])
    fields = field_changes(before, effective, unknown)
    if recorded_guard != resource.lifecycle.prevent_destroy:
        fields.append(FieldChange(path="lifecycle.prevent_destroy", before=recorded_guard,
                                  after=resource.lifecycle.prevent_destroy))
    if stored_files is not None and not files and ownership.recorded_files(
            digest) != stored_files:
        fields.append(FieldChange(path=INDEXED, before=False, after=True))
    if scope is not None and ownership.owner_scope(metadata) != scope:
        fields.append(FieldChange(path=SCOPED, op="add", after=scope))
    return before, effective, fields


def _reason(resource: DesiredResource, obj: LiveObject, fields: list[FieldChange], *,
            forced: bool) -> dict[str, Any] | None:
    """Why the object must be replaced (as `ResourceChange` fields), or None."""
    force_new = registry().get(resource.kind).force_new
    required = tuple(f.path for f in fields if top_field(f.path) in force_new)
    if forced:
        return because(ActionReason.REPLACE_BY_REQUEST, required)
    if expired(obj):
        return because(ActionReason.REPLACE_BECAUSE_EXPIRED, required)
    if required:
        return because(ActionReason.REPLACE_BECAUSE_CANNOT_UPDATE, required)
    return None


def _held(body: dict[str, Any] | None, unknowns: Sequence[Unknown]) -> tuple[Unknown, ...]:
    """The unknown values the request body holds (an update sends only what changes)."""
    return tuple(u for u in unknowns if value_at(body, u.at) == u.text)


def _update_fields(resource: DesiredResource, fields: Iterable[FieldChange]) -> set[str] | None:
    """The fields an update's body holds: those that change (None: every field, for a kind
    whose update is a whole new version)."""
    if registry().get(resource.kind).update is UpdateMode.WHOLE:
        return None
    return _changed_fields(fields)


def _changed_fields(fields: Iterable[FieldChange]) -> set[str]:
    """The top-level API fields an update must send: those that change, and metadata."""
    return {top_field(f.path) for f in fields} - {"files"} | {"metadata"}


def top_field(path: str) -> str:
    """The top-level field of a field path (`tools` for `tools[1].function.name`)."""
    return path.split(".")[0].split("[")[0]


def _ignoring(resource: DesiredResource, after: dict[str, Any],
              before: dict[str, Any]) -> dict[str, Any]:
    """Desired state with `ignore_changes` fields taken from the live object."""
    ignored = resource.lifecycle.ignore_changes
    if not ignored:
        return after
    effective = copy.deepcopy(after)
    for field in ignored:
        if field == "all":
            return {**copy.deepcopy(before), "metadata": copy.deepcopy(before["metadata"])}
        if field.startswith("metadata."):
            key = field.split(".", 1)[1]
            effective["metadata"].pop(key, None)
            if key in before["metadata"]:
                effective["metadata"][key] = before["metadata"][key]
        elif field in effective:
            effective[field] = copy.deepcopy(before[field])
    return effective


def field_changes(before: dict[str, Any], after: dict[str, Any],
                  unknown: Iterable[str] = ()) -> list[FieldChange]:
    """Every field that differs between two request bodies, down to the leaves."""
    changes: list[FieldChange] = []
    unknown = set(unknown)
    for field in after:
        if field in unknown and before.get(field) != after[field]:
            changes.append(FieldChange(path=field, after=after[field], before_unknown=True))
            continue
        if before.get(field) == after[field]:
            continue
        changes.extend(_leaf_changes(field, before.get(field), after[field]))
    return changes


def _leaf_changes(field: str, before: Any, after: Any) -> list[FieldChange]:
    """Changes inside one field: maps by key; lists by item when their lengths agree."""
    if isinstance(before, dict) and isinstance(after, dict):
        delta = DeepDiff(before, after, verbose_level=2, view="tree", threshold_to_diff_deeper=0)
        found = []
        for level in sorted((lv for group in delta.values() for lv in group),
                            key=lambda lv: lv.path()):
            path = field + _dotted(level.path(output_format="list"))
            op = "add" if _missing(level.t1) else "remove" if _missing(level.t2) else "change"
            old = None if _missing(level.t1) else level.t1
            new = None if _missing(level.t2) else level.t2
            found.append(FieldChange(path=path, op=op, before=old, after=new))
        return found
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [c for i, (b, a) in enumerate(zip(before, after, strict=True)) if b != a
                for c in _item_changes(f"{field}[{i}]", b, a)]
    return [FieldChange(path=field, before=before, after=after)]


def _item_changes(path: str, before: Any, after: Any) -> list[FieldChange]:
    if isinstance(before, dict) and isinstance(after, dict) and before.get("type") == after.get(
            "type"):
        return _leaf_changes(path, before, after)
    return [FieldChange(path=path, before=before, after=after)]


def _dotted(parts: list[Any]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)


def _missing(value: Any) -> bool:
    return value is notpresent


def _delete(address: str, obj: LiveObject, context: Context,
            problems: Diagnostics) -> ResourceChange:
    name = Address.parse(address).name
    _, guarded = ownership.split_digest((obj.raw.get("metadata") or {}).get(
        ownership.DIGEST_KEY))
    if guarded:
        problems.error(Code.PREVENT_DESTROY, f"{address} ({obj.id}) has no manifest any more, "
                       "but it was applied with lifecycle.prevent_destroy",
                       hint="restore the manifest, or apply it once without prevent_destroy "
                            "before removing it (or use --no-delete)")
    before, _ = live_comparable(obj)
    files: list[FileChange] = []
    uses = registry().get(obj.kind).files
    if uses is FileUse.STORE:
        files = file_plan.keep_shared(file_plan.store_deletes(obj.files or (), context.sizes),
                                      context.shared)
    elif uses is FileUse.CODE:  # its code_interpreter uploads, unless something else uses them
        _, files = file_plan.code_files((), code_file_ids(obj), context.uploads,
                                        keep=context.used_elsewhere(obj))
    return ResourceChange(address=address, kind=obj.kind, name=name, action=Action.DELETE,
                          live_id=obj.id, before=before, fingerprint=fingerprint(obj),
                          files=tuple(files), **because(ActionReason.DELETE_BECAUSE_NO_MANIFEST))
