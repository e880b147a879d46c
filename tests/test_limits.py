"""API limits enforced at validation time, at the boundaries."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.diagnostics import Code
from reconciler.manifests.project import load_manifest_set
from tests.conftest import WriteTree


def _codes(write_tree: WriteTree, kind: str, spec: dict[str, Any]) -> list[Code]:
    import json
    write_tree({"m.yaml": json.dumps({"apiVersion": "reconciler/v1", "kind": kind,
                                      "metadata": {"name": "limits"}, "spec": spec})})
    return [d.code for d in load_manifest_set(["."]).diagnostics]


@pytest.mark.parametrize("kind", ["Assistant", "Agent"])
@pytest.mark.parametrize(("field", "limit"), [("name", 256), ("instructions", 256_000)])
def test_text_limits(write_tree: WriteTree, kind: str, field: str, limit: int) -> None:
    model = {"model": "gpt-6-luna"}
    assert _codes(write_tree, kind, {**model, field: "x" * limit}) == []
    assert _codes(write_tree, kind, {**model, field: "x" * (limit + 1)}) == [Code.TOO_LONG]


@pytest.mark.parametrize("kind", ["Assistant", "Agent"])
def test_at_most_128_tools(write_tree: WriteTree, kind: str) -> None:
    tools = [{"apiVersion": "reconciler/v1", "kind": "Tool", "metadata": {"name": f"t{i}"},
              "spec": {"type": "function"}} for i in range(129)]
    import json
    docs = "\n---\n".join(json.dumps(t) for t in tools)
    for count, expected in ((128, []), (129, [Code.TOO_MANY])):
        resource = {"apiVersion": "reconciler/v1", "kind": kind, "metadata": {"name": "r"},
                    "spec": {"model": "gpt-6-luna", "tools": [f"t{i}" for i in range(count)]}}
        write_tree({"m.yaml": docs + "\n---\n" + json.dumps(resource)})
        assert [d.code for d in load_manifest_set(["."]).diagnostics] == expected


def test_metadata_limits(write_tree: WriteTree) -> None:
    base = {"model": "gpt-6-luna"}
    twelve = {f"k{i}": "v" for i in range(12)}
    assert _codes(write_tree, "Assistant", {**base, "metadata": twelve}) == []
    assert _codes(write_tree, "Assistant", {**base, "metadata": {**twelve, "x": "v"}}) == [
        Code.TOO_MANY]
    assert _codes(write_tree, "Agent", {**base, "metadata": {"k" * 64: "v" * 512}}) == []
    assert _codes(write_tree, "Agent", {**base, "metadata": {"reconciler-name": "x"}}) == [
        Code.RESERVED_METADATA_KEY]


@pytest.mark.parametrize(("field", "good", "bad"), [
    ("temperature", [0, 2, 1.5], [-0.01, 2.01]),
    ("top_p", [0, 1, 0.5], [-0.1, 1.01]),
])
def test_sampling_ranges(write_tree: WriteTree, field: str, good: list[float],
                         bad: list[float]) -> None:
    for value in good:
        assert _codes(write_tree, "Assistant", {"model": "gpt-6-luna", field: value}) == []
    for value in bad:
        assert _codes(write_tree, "Assistant", {"model": "gpt-6-luna", field: value}) == [
            Code.OUT_OF_RANGE]


def test_description_limit(write_tree: WriteTree) -> None:
    assert _codes(write_tree, "Assistant", {"model": "m", "description": "d" * 512}) == []
    assert _codes(write_tree, "Assistant", {"model": "m", "description": "d" * 513}) == [
        Code.TOO_LONG]
