"""Plain, JSON-compatible values from what ruamel loads, refused as `yamltext` refuses.

`yamltext` reads manifests; the tests that load YAML with ruamel (the published schemas'
checks) use this, so that they accept no more than the reader does.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from ruamel.yaml.comments import CommentedOrderedMap, TaggedScalar
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarbool import ScalarBoolean

from reconciler.manifests.yamltext import (
    _INTEGER_CEILING,
    _MAP,
    _SEQ,
    _STR,
    ALIAS_BUDGET_MINIMUM,
    MAX_DEPTH,
    MAX_INTEGER_DIGITS,
    alias_budget,
    plain_key,
    shown_tag,
)


class PlainValueError(YAMLError):
    """A value `to_plain` refuses, as the reader does."""


def to_plain(node: Any) -> Any:
    """Convert ruamel values to JSON-compatible values (dates become ISO strings).

    Refuses (`PlainValueError`) what `load_text` refuses: tags other than the standard ones,
    integers over `MAX_INTEGER_DIGITS` digits, floats that are not finite, a value that holds
    itself, and shared (aliased) values expanding beyond the alias budget.
    """
    return _Plain().convert(node)


class _Plain:
    """One `to_plain` conversion: counts values against the alias budget, as `_Builder` does."""

    def __init__(self) -> None:
        self.visits = 0
        self.distinct = 0
        self.seen: set[int] = set()
        self.inside: set[int] = set()
        self.replaying = 0

    def convert(self, node: Any) -> Any:
        self.visits += 1
        again = id(node) in self.seen
        self.distinct += not (again or self.replaying)
        if self.visits > ALIAS_BUDGET_MINIMUM and self.visits > alias_budget(self.distinct):
            raise PlainValueError(f"aliases expand the value beyond {self.visits:,} values")
        if isinstance(node, dict | list):
            return self.container(node, again)
        return _plain_scalar(node)

    def container(self, node: dict[Any, Any] | list[Any], again: bool) -> Any:
        key = id(node)
        if key in self.inside:
            raise PlainValueError("the value holds itself (a recursive alias)")
        if len(self.inside) >= MAX_DEPTH:
            raise PlainValueError(f"the value nests deeper than {MAX_DEPTH} levels")
        tag = getattr(getattr(node, "tag", None), "value", None)
        if tag not in (None, _MAP, _SEQ) or isinstance(node, CommentedOrderedMap):
            raise PlainValueError(f"unknown tag '{shown_tag(tag or '!!omap')}'")
        self.seen.add(key)
        self.inside.add(key)
        self.replaying += again
        if isinstance(node, dict):
            result: Any = {plain_key(k): self.convert(v) for k, v in node.items()}
        else:
            result = [self.convert(v) for v in node]
        self.replaying -= again
        self.inside.discard(key)
        return result


def _plain_scalar(node: Any) -> Any:
    if isinstance(node, bool | ScalarBoolean):
        return bool(node)
    if isinstance(node, int):
        if abs(node) >= _INTEGER_CEILING:
            raise PlainValueError(f"integer over {MAX_INTEGER_DIGITS} digits")
        return int(node)
    if isinstance(node, float):
        if not math.isfinite(node):
            raise PlainValueError(f"{node} is not a finite number")
        return float(node)
    if isinstance(node, dt.date | dt.datetime):
        return node.isoformat()
    if isinstance(node, str) or node is None:
        return None if node is None else str(node)
    if isinstance(node, TaggedScalar) and node.tag.value == _STR:
        return str(node.value)
    if isinstance(node, TaggedScalar):
        raise PlainValueError(f"unknown tag '{shown_tag(str(node.tag.value))}'")
    raise PlainValueError(f"a {type(node).__name__} is no plain value (a tag such as !!binary "
                          "or !!set made it)")
