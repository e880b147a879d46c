"""The messages of Policy rules: `{{ path }}` placeholders, checked when a policy loads and
filled in from the variables a rule saw."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}")
PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_-]+|\[[0-9]+\])*")
_ROOT = re.compile(r"[A-Za-z0-9_]+")
_STEP = re.compile(r"\.([A-Za-z0-9_-]+)|\[([0-9]+)\]")
VALUE_LIMIT = 200
"""Characters of one value shown in a message."""
_MISSING = object()


def check_message(message: str, variables: frozenset[str]) -> str | None:
    """Why a message's `{{ path }}` placeholders cannot be filled in (None: they can)."""
    for found in PLACEHOLDER.finditer(message):
        path = found.group(1).strip()
        if not PATH.fullmatch(path):
            return (f"the message's placeholder {found.group(0)} is not a path such as "
                    "{{ resource.spec.model }}")
        root = _ROOT.match(path)
        if root is not None and root.group(0) not in variables:
            return (f"the message's placeholder {found.group(0)} names '{root.group(0)}', "
                    f"which is not a variable here ({', '.join(sorted(variables))})")
    return None


def render_message(message: str, variables: Mapping[str, Any]) -> str:
    """The message with each `{{ path }}` replaced by its value (`(none)` where there is
    none)."""
    return PLACEHOLDER.sub(lambda found: _filled(variables, found.group(1).strip()), message)


def shown(value: Any) -> str:
    """A value as a message shows it: a string as it is, anything else as JSON, cut short."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= VALUE_LIMIT else text[:VALUE_LIMIT - 1] + "…"


def _filled(variables: Mapping[str, Any], path: str) -> str:
    value = _value_at(variables, path)
    return "(none)" if value is _MISSING else shown(value)


def _value_at(variables: Mapping[str, Any], path: str) -> Any:
    root = _ROOT.match(path)
    if root is None or root.group(0) not in variables:
        return _MISSING
    value: Any = variables[root.group(0)]
    for step in _STEP.finditer(path, root.end()):
        key, index = step.groups()
        if key is not None and isinstance(value, dict) and key in value:
            value = value[key]
        elif index is not None and isinstance(value, list) and int(index) < len(value):
            value = value[int(index)]
        else:
            return _MISSING
    return value
