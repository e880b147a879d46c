"""Generate request cases from a JSON schema (the spec's, or one built from the SDK's params):
valid minimal and full bodies, and, from a full body, an unknown key in every closed object,
a wrong type and a bad enum value for every field, and every required key left out.

Written apart from the emulator's checker on purpose (a fake must not agree with its test by
construction): only the rule it documents is shared — an object schema with `properties` and
no `additionalProperties` is closed, as the API's typed models are.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

UNKNOWN_KEY = "x_unknown_param"
BAD_VALUE = "x_bad_value"
WRONG_VALUES: tuple[tuple[str, Any], ...] = (
    ("string", "x_wrong_type"), ("integer", 7), ("boolean", True), ("object", {}),
    ("array", []))
Path = tuple[str | int, ...]
Hint = Callable[[Path], Any]


@dataclass(frozen=True)
class Case:
    """One request body and what the API answers to it."""

    label: str
    body: Any
    status: int
    param: str | None = None
    code: str | None = None
    allowed: tuple[Any, ...] = ()
    """For a bad enum value: every value the answer must name as supported."""


@dataclass
class Position:
    """What the generator knows about one place in a generated body."""

    path: Path
    types: set[str] | None
    """The JSON types accepted here, over every branch (None: any)."""
    enum: list[Any] | None = None
    """The only values accepted here (None: free)."""
    closed: bool = False
    required: list[str] = field(default_factory=list)


def param(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class Generator:
    """Walks a schema (refs resolved in `root`) to build bodies and the positions in them."""

    def __init__(self, root: dict[str, Any], hint: Hint,
                 exclusive: tuple[tuple[str, str], ...] = ()) -> None:
        self.root = root
        self.hint = hint
        self.exclusive = exclusive

    def resolve(self, node: Any, anchor: Any = None) -> Any:
        while isinstance(node, dict) and ("$ref" in node or "$recursiveRef" in node):
            if "$recursiveRef" in node:
                node = anchor
                continue
            target: Any = self.root
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            node = target
        return node

    def branches(self, node: dict[str, Any]) -> list[Any]:
        """A union's branches, less null (and none for groups of required keys)."""
        if required_groups(node):
            return []
        return [b for b in node.get("anyOf") or node.get("oneOf") or []
                if self.resolve(b) != {"type": "null"}]

    def types(self, node: Any, anchor: Any = None) -> set[str] | None:
        node = self.resolve(node, anchor)
        if not isinstance(node, dict):
            return None
        if "type" in node:
            declared = node["type"]
            return {declared} if isinstance(declared, str) else set(declared)
        union = node.get("anyOf") or node.get("oneOf")
        if union:
            found: set[str] = set()
            for branch in union:
                types = self.types(branch, anchor)
                if types is None:
                    return None
                found |= types
            return found
        if "const" in node or "enum" in node:
            return {"string"}
        return {"object"} if "properties" in node else None

    def enum_at(self, node: Any, anchor: Any = None) -> list[Any] | None:
        """The values accepted at a place when it takes strings only from enums."""
        node = self.resolve(node, anchor)
        if "const" in node:
            return [node["const"]]
        if "enum" in node:
            return list(node["enum"])
        union = self.branches(node)
        if not union:
            return None
        values: list[Any] = []
        for branch in union:
            types = self.types(branch, anchor)
            if types is None or "string" not in types:
                continue
            inner = self.enum_at(branch, anchor)
            if inner is None:
                return None
            values += inner
        return values or None

    # --- valid values ------------------------------------------------------------------

    def value(self, node: Any, path: Path, *, full: bool, variant: int,
              positions: list[Position], anchor: Any = None, depth: int = 0) -> Any:
        node = self.resolve(node, anchor)
        if node.get("$recursiveAnchor"):
            anchor = node
        positions.append(Position(path, self.types(node, anchor), self.enum_at(node, anchor)))
        hinted = self.hint(path)
        if hinted is not None:
            return copy.deepcopy(hinted)
        union = [b for b in self.branches(node)
                 if depth < 3 or "$recursiveRef" not in b]
        if union:
            branch = union[variant % len(union)] if full else union[0]
            positions.pop()
            first = len(positions)
            here = self.value(branch, path, full=full, variant=variant // len(union),
                              positions=positions, anchor=anchor, depth=depth + 1)
            self._widen(positions[first:], path, node, anchor)
            return here
        if "const" in node:
            return node["const"]
        if "enum" in node:
            return node["enum"][variant % len(node["enum"]) if full else 0]
        kind = sorted(self.types(node) or {"object"})[0]
        return self._scalar_or_container(node, kind, path, full=full, variant=variant,
                                         positions=positions, anchor=anchor, depth=depth)

    def _scalar_or_container(self, node: dict[str, Any], kind: str, path: Path, *,
                             full: bool, variant: int, positions: list[Position],
                             anchor: Any, depth: int) -> Any:
        if kind == "object":
            return self._object(node, path, full=full, variant=variant, positions=positions,
                                anchor=anchor, depth=depth)
        if kind == "array":
            return self._array(node, path, full=full, variant=variant, positions=positions,
                               anchor=anchor, depth=depth)
        if kind in ("integer", "number"):
            low, high = node.get("minimum"), node.get("maximum")
            number = low if low is not None else (1 if high is None or high >= 1 else high)
            return int(number) if kind == "integer" else number
        if kind == "boolean":
            return True
        if kind == "null":
            return None
        return "x" * max(1, node.get("minLength", 1))

    def _object(self, node: dict[str, Any], path: Path, *, full: bool, variant: int,
                positions: list[Position], anchor: Any, depth: int) -> dict[str, Any]:
        properties: dict[str, Any] = node.get("properties", {})
        required = list(node.get("required", []))
        groups = required_groups(node)
        if groups:  # `file_ids` or `files`: the first, or in turn when they exclude each other
            required += groups[0]
        exclusive = list(self.exclusive)
        if groups and "oneOf" in node:
            exclusive += [(groups[0][0], other[0]) for other in groups[1:]]
        extra = node.get("additionalProperties")
        position = positions[-1]
        position.closed = bool(properties) and not extra
        position.required = list(node.get("required", []))
        keys = [k for k in properties if full or k in required]
        for kept, dropped in exclusive:
            if kept in keys and dropped in keys:
                keys.remove(dropped if variant % 2 == 0 else kept)
        built = {key: self.value(properties[key], (*path, key), full=full, variant=variant,
                                 positions=positions, anchor=anchor, depth=depth)
                 for key in keys}
        if not properties and isinstance(extra, dict) and full:
            built["k"] = self.value(extra, (*path, "k"), full=full, variant=variant,
                                    positions=positions, anchor=anchor, depth=depth)
        elif not properties and extra is True:
            built = {"type": "object", "properties": {}}
        return built

    def _array(self, node: dict[str, Any], path: Path, *, full: bool, variant: int,
               positions: list[Position], anchor: Any, depth: int) -> list[Any]:
        items = self.resolve(node.get("items", {}), anchor)
        union = [b for b in self.branches(items) if depth < 3 or "$recursiveRef" not in b]
        count = min(len(union), node.get("maxItems", len(union))) if full and union else 1
        return [self.value(items, (*path, index), full=full, variant=variant + index,
                           positions=positions, anchor=anchor, depth=depth)
                for index in range(count)]

    def _widen(self, placed: list[Position], path: Path, union: Any, anchor: Any) -> None:
        """After a union picked a branch, the place accepts what every branch accepts, and a
        `type` discriminator every branch's tag."""
        placed[0].types = self.types(union, anchor)
        placed[0].enum = self.enum_at(union, anchor)
        tags = [self.enum_at(self.resolve(b, anchor).get("properties", {}).get("type", {}),
                             anchor) for b in self.branches(union)]
        if all(tags) and len(tags) > 1:
            for position in placed:
                if position.path == (*path, "type"):
                    position.enum = [tag for found in tags for tag in found or []]

    # --- cases -------------------------------------------------------------------------

    def cases(self, schema: Any) -> Iterator[Case]:
        """Valid bodies (minimal, then full in as many variants as unions and enums need),
        then the faults planted in the first full body."""
        minimal = self.value(schema, (), full=False, variant=0, positions=[])
        yield Case("minimal", minimal, 200)
        seen: list[Any] = [minimal]
        positions: list[Position] = []
        full = self.value(schema, (), full=True, variant=0, positions=positions)
        for variant in range(self.variants(schema)):
            body = self.value(schema, (), full=True, variant=variant, positions=[])
            if body not in seen:
                seen.append(body)
                yield Case(f"full #{variant}", body, 200)
        yield from self.faults(full, positions)

    def variants(self, schema: Any) -> int:
        """How many full bodies it takes for every branch and enum value to be sent once."""
        most, pending, seen = 2, [self.resolve(schema)], set()
        while pending:
            node = pending.pop()
            if not isinstance(node, dict) or id(node) in seen:
                continue
            seen.add(id(node))
            most = max(most, len(self.branches(node)), len(node.get("enum", [])))
            children = [*node.get("properties", {}).values(), node.get("items"),
                        node.get("additionalProperties"), *self.branches(node)]
            pending += [self.resolve(c) for c in children if isinstance(c, dict)]
        return most

    def faults(self, full: Any, positions: list[Position]) -> Iterator[Case]:
        for position in positions:
            if position.path and _inside(full, position.path):
                yield from self._faults_at(full, position)
            if position.closed and _inside(full, position.path):
                where = (*position.path, UNKNOWN_KEY)
                yield Case(f"unknown {param(where)}", _put(full, where, 1), 400, param(where),
                           "unknown_parameter")
            for key in position.required:
                where = (*position.path, key)
                if _inside(full, where):
                    yield Case(f"missing {param(where)}", _drop(full, where), 400,
                               param(where), "missing_required_parameter")

    def _faults_at(self, full: Any, position: Position) -> Iterator[Case]:
        name = param(position.path)
        if position.types is not None:
            wrong = next((v for t, v in WRONG_VALUES if not _takes(position.types, t)), None)
            if wrong is not None:
                yield Case(f"wrong type {name}", _put(full, position.path, wrong), 400, name,
                           "invalid_type")
        if position.enum is not None:
            yield Case(f"bad value {name}", _put(full, position.path, BAD_VALUE), 400, name,
                       "invalid_value", tuple(position.enum))


def required_groups(node: dict[str, Any]) -> list[list[str]]:
    """`anyOf`/`oneOf` of `{required: [...]}` alone: which keys must be there, not a union."""
    members = node.get("anyOf") or node.get("oneOf") or []
    if members and all(isinstance(m, dict) and set(m) == {"required"} for m in members):
        return [list(m["required"]) for m in members]
    return []


def _takes(types: set[str], kind: str) -> bool:
    return kind in types or (kind == "integer" and "number" in types)


def _inside(body: Any, path: Path) -> bool:
    node = body
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return False
    return True


def _put(body: Any, path: Path, value: Any) -> Any:
    changed = copy.deepcopy(body)
    node = changed
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return changed


def _drop(body: Any, path: Path) -> Any:
    changed = copy.deepcopy(body)
    node = changed
    for part in path[:-1]:
        node = node[part]
    del node[path[-1]]
    return changed
