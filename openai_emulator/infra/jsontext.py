"""JSON as the OpenAI API takes it: UTF-8, numbers a float can hold, Unicode strings, bounded
nesting.

Python's `json` accepts more: `NaN`, `Infinity`, `1e400` (infinite once read), lone surrogates
(`"\\ud800"`, or their UTF-8-like bytes `ED A0 80`) and any nesting its stack allows. A value
stored with one of them makes every later answer that includes it fail, so request bodies and
the files given at start are read here. Standard library only: `serve` reads its files with it
before the server's own modules are imported.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_DEPTH = 100
"""How deeply objects and arrays may nest. A tool's parameter schema nests a few dozen levels at
most; deeper documents are refused before recursive validation could exhaust the stack."""
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class RefusedJson(ValueError):
    """Valid JSON that the API refuses: too deep, or a string that is not Unicode."""


def loads(raw: bytes | str) -> Any:
    """Parse `raw` strictly; raise ValueError (RefusedJson for valid JSON that is refused).

    Bytes are decoded as UTF-8 strictly (a BOM is allowed): `json.loads(bytes)` would take
    encoded surrogates, and UTF-16 or UTF-32.
    """
    text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
    try:
        value = json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    except RecursionError:
        raise RefusedJson(f"nested deeper than {MAX_DEPTH} levels") from None
    if depth(value) > MAX_DEPTH:
        raise RefusedJson(f"nested deeper than {MAX_DEPTH} levels")
    if _SURROGATE_ESCAPE.search(text) and not _unicode(value):
        raise RefusedJson("a string holds a lone surrogate (\\ud800-\\udfff), which is not "
                          "valid Unicode")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite(text: str) -> float:
    """A JSON number as a float; `1e400` (infinite once read) is refused like `Infinity`."""
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is out of range")
    return number


def _unicode(value: Any) -> bool:
    """Whether every string in `value` (keys too) can be encoded as UTF-8."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def depth(value: Any) -> int:
    """How deeply objects and arrays nest (iteratively: no recursion to exhaust); counting
    stops a level past MAX_DEPTH."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, level = pending.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level <= MAX_DEPTH:
                children = item.values() if isinstance(item, dict) else item
                pending.extend((child, level + 1) for child in children)
    return deepest
