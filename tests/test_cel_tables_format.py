"""The shipped CEL tables store the parse table's actions compactly (`tables.STATES`): they
decode to exactly what the generic encoding (every tuple and integer key tagged) does, types
and order included, so Lark loads the very tables it serialised."""

from __future__ import annotations

import json
from typing import Any

from reconciler.kinds.policy import expressions, tables


def _same(left: Any, right: Any, path: str = "") -> None:
    assert type(left) is type(right), path
    if isinstance(left, dict):
        assert list(left) == list(right), path
        for key in left:
            _same(left[key], right[key], f"{path}/{key}")
    elif isinstance(left, list | tuple):
        assert len(left) == len(right), path
        for index, (a, b) in enumerate(zip(left, right, strict=True)):
            _same(a, b, f"{path}[{index}]")
    else:
        assert left == right, path


def test_the_compact_states_decode_to_what_lark_serialised() -> None:
    data, memo = tables.serialised(*expressions.parser_definition())
    shipped = tables.encoded(data, memo)
    assert list(shipped["data"]["parser"]["parser"]["states"]) == [tables.STATES]
    compact = json.dumps(shipped)
    generic = json.dumps(tables._encoded({"data": data, "memo": memo}))
    assert len(compact) < len(generic) * 0.6
    _same(json.loads(compact, object_hook=tables._decoded),
          json.loads(generic, object_hook=tables._decoded))
