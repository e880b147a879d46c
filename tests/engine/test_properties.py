"""Properties over random declared and live states, both kinds (hypothesis):
after apply the plan is empty; a second apply sends no write; unmanaged objects are
byte-for-byte unchanged."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openai_emulator.process import EmulatorProcess
from tests.engine.helpers import (
    apply_plan,
    create_live,
    managed_names,
    plan_for,
    raw_bytes,
    sdk,
    write_manifests,
)

NAMES = ["alpha", "beta", "gamma", "delta"]
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"),
                             exclude_characters="{}\\"), max_size=60)
LINES = st.lists(TEXT, min_size=1, max_size=4).map("\n".join)
KEYS = st.sampled_from(["team", "owner", "tier", "région"])
METADATA = st.dictionaries(KEYS, TEXT.map(lambda t: t[:40]), max_size=3)
UNIT = st.integers(0, 100).map(lambda n: n / 100)


def _assistant() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"model": st.sampled_from(["gpt-6-luna", "gpt-6-sol", "gpt-5.6-luna"])},
        optional={
            "name": st.one_of(st.none(), TEXT.map(lambda t: t[:50])),
            "description": TEXT,
            "instructions": LINES,
            "temperature": UNIT.map(lambda u: u * 2),
            "top_p": UNIT,
            "metadata": METADATA,
            "tools": st.lists(st.sampled_from([{"type": "code_interpreter"},
                                               {"type": "file_search"}]),
                              unique_by=lambda t: t["type"], max_size=2),
            "response_format": st.sampled_from(["auto", {"type": "json_object"},
                                                {"type": "text"}]),
            "reasoning_effort": st.sampled_from(["low", "medium", "high"]),
        })


def _agent() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"model": st.sampled_from(["gpt-6.1-sol", "gpt-5.6-terra"])},
        optional={
            "name": st.one_of(st.none(), TEXT.map(lambda t: t[:50])),
            "instructions": LINES,
            "metadata": METADATA,
            "tools": st.lists(st.sampled_from([{"type": "web_search"}, {"type": "tool_search"},
                                               {"type": "automations"}]),
                              unique_by=lambda t: t["type"], max_size=3),
            "reasoning": st.fixed_dictionaries({"effort": st.sampled_from(
                ["low", "medium", "high"])}),
            "text": st.fixed_dictionaries({"verbosity": st.sampled_from(["low", "high"])}),
            "service_tier": st.sampled_from(["auto", "flex", "priority"]),
            "multi_agent": st.fixed_dictionaries({"enabled": st.booleans()}),
            "compaction": st.fixed_dictionaries({"async": st.booleans()}),
        })


SPECS = {"Assistant": _assistant(), "Agent": _agent()}


@st.composite
def worlds(draw: st.DrawFn) -> dict[str, Any]:
    """Declared resources, and a live state: managed (drifted or stale) and unmanaged."""
    world: dict[str, Any] = {"desired": [], "managed": [], "unmanaged": []}
    for kind, spec in SPECS.items():
        declared = draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=3))
        world["desired"] += [(kind, name, draw(spec)) for name in declared]
        existing = draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=3))
        world["managed"] += [(kind, name, draw(spec)) for name in existing]
        world["unmanaged"] += [(kind, draw(spec)) for _ in range(draw(st.integers(0, 2)))]
    return world


def _manifest(kind: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "reconciler/v1", "kind": kind, "metadata": {"name": name},
            "spec": spec}


def _api_body(kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    body = dict(spec)
    if kind == "Agent" and "tools" in body:
        body["tools"] = list(body["tools"])
    return body


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.data_too_large])
@given(world=worlds())
def test_apply_converges_and_is_idempotent(emulator: EmulatorProcess,
                                           world: dict[str, Any]) -> None:
    emulator.reset()
    client = sdk(emulator.url)
    for kind, name, spec in world["managed"]:
        create_live(client, kind, _api_body(kind, spec), owner=name)
    untouched = {}
    for kind, spec in world["unmanaged"]:
        object_id = create_live(client, kind, _api_body(kind, spec), owner=None)
        untouched[(kind, object_id)] = raw_bytes(client, kind, object_id)
    with tempfile.TemporaryDirectory() as folder:
        manifests = Path(folder) / "manifests"
        write_manifests(manifests, [_manifest(k, n, s) for k, n, s in world["desired"]])
        empty = not world["desired"]  # a file of no document: planned only when allowed
        outcomes = apply_plan(emulator.url, plan_for(emulator.url, manifests,
                                                     allow_empty=empty))
        assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok]

        after = plan_for(emulator.url, manifests, allow_empty=empty)
        assert after.changes == (), [c.fields for c in after.changes]

        emulator.call("DELETE", "/stats")
        assert apply_plan(emulator.url, after) == []
        writes = {k: v for k, v in emulator.stats()["requests"].items()
                  if not k.startswith("GET")}
        assert writes == {}
    for (kind, object_id), before in untouched.items():
        assert raw_bytes(client, kind, object_id) == before
    for kind in SPECS:
        declared = sorted(n for k, n, _ in world["desired"] if k == kind)
        assert sorted(managed_names(client, kind)) == declared
