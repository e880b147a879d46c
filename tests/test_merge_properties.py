"""Property tests of the template merge rule and of placeholder filling."""

from __future__ import annotations

import io
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from reconciler.diagnostics import Diagnostics
from reconciler.manifests.loader import load_text
from reconciler.manifests.templates import TemplateEntry, fill, merge_resource

KEYS = st.sampled_from(["a", "b", "c", "d"])
SCALARS = st.one_of(st.integers(-5, 5), st.text("xyz", max_size=3), st.booleans())
VALUES = st.recursive(
    SCALARS | st.lists(SCALARS, max_size=3),
    lambda inner: st.dictionaries(KEYS, inner, max_size=3),
    max_leaves=8,
)
SPECS = st.dictionaries(KEYS, VALUES, max_size=4)


def _doc(kind: str, name: str, spec: dict[str, Any]) -> Any:
    out = io.StringIO()
    YAML().dump({"apiVersion": "reconciler/v1", "kind": kind, "metadata": {"name": name},
                 "spec": spec}, out)
    (doc,) = load_text(out.getvalue(), f"{name}.yaml", Diagnostics())
    return doc


def _expected(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        merged = dict(base)
        for key, value in over.items():
            merged[key] = _expected(base[key], value) if key in base else value
        return merged
    return over


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    if isinstance(value, dict) and value:
        return [leaf for k, v in value.items() for leaf in _leaves(v, path + (k,))]
    return [(path, value)]


@settings(max_examples=150, deadline=None)
@given(SPECS, SPECS, SPECS)
def test_merge_rule_and_provenance(root: dict[str, Any], child: dict[str, Any],
                                   own: dict[str, Any]) -> None:
    docs = [_doc("Template", "root", root), _doc("Template", "child", child),
            _doc("Assistant", "own", own)]
    chain = [TemplateEntry(d.data["metadata"]["name"], d.data["spec"], d) for d in docs[:2]]
    merged = merge_resource(docs[2], chain, {})
    expected = _expected(_expected(root, child), own)
    assert merged.spec == expected
    layers = [("own", own), ("child", child), ("root", root)]
    for path, value in _leaves(expected):
        if path == ():
            continue
        origin = merged.provenance.origin(path)
        supplier = next(name for name, spec in layers if _has_path(spec, path))
        assert origin.doc.data["metadata"]["name"] == supplier
        assert _get(origin.doc.data, origin.path) == value


def _has_path(spec: Any, path: tuple[Any, ...]) -> bool:
    for part in path:
        if not isinstance(spec, dict) or part not in spec:
            return False
        spec = spec[part]
    return True


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


NAMES = st.sampled_from(["x", "y", "long_name"])
CHUNKS = st.lists(st.one_of(st.text("ab c.", max_size=5), NAMES.map(lambda n: ("var", n))),
                  max_size=6)


@given(CHUNKS, st.dictionaries(NAMES, st.text("XYZ", max_size=3)))
def test_fill_replaces_exactly_the_placeholders(chunks: list[Any], values: dict[str, str]) -> None:
    text = "".join("{{ " + c[1] + " }}" if isinstance(c, tuple) else c for c in chunks)
    result, missing, used = fill(text, values)
    names = [c[1] for c in chunks if isinstance(c, tuple)]
    assert used == set(names)
    assert missing == list(dict.fromkeys(n for n in names if n not in values))
    if not missing:
        assert result == "".join(values[c[1]] if isinstance(c, tuple) else c for c in chunks)
