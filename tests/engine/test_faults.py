"""Apply under injected faults at 20% of writes: it converges (possibly over several runs)
with zero duplicates and zero changes to unmanaged objects."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from openai_emulator.process import EmulatorProcess
from reconciler.cli import cli
from tests.engine.helpers import (
    apply_plan,
    create_live,
    managed_names,
    plan_for,
    raw_bytes,
    sdk,
    write_manifests,
)

WRITES = {"methods": ["POST", "DELETE"], "rate": 0.2}
FAULTS: dict[str, list[dict[str, Any]]] = {
    "rate_limit": [{"fault": "rate_limit", "retry_after": 0.01, **WRITES}],
    "server_error": [{"fault": "server_error", "status": 503, **WRITES}],
    "disconnect": [{"fault": "disconnect", **WRITES}],
    "commit_then_fail": [{"fault": "commit_then_fail", "status": 502, **WRITES}],
    "commit_then_disconnect": [{"fault": "commit_then_fail", "then": "disconnect", **WRITES}],
    "mixed": [{"fault": "rate_limit", "retry_after": 0.01, "methods": ["POST", "DELETE"],
               "rate": 0.05},
              {"fault": "server_error", "status": 500, "methods": ["POST", "DELETE"],
               "rate": 0.05},
              {"fault": "disconnect", "methods": ["POST", "DELETE"], "rate": 0.05},
              {"fault": "commit_then_fail", "then": "disconnect",
               "methods": ["POST", "DELETE"], "rate": 0.05}],
}


def _world(emulator: EmulatorProcess, folder: Path) -> dict[tuple[str, str], bytes]:
    """12 declared resources (6 new, 4 drifted), 3 stale managed objects, 4 unmanaged."""
    client = sdk(emulator.url)
    documents = []
    for i in range(6):
        documents.append({"apiVersion": "reconciler/v1", "kind": "Assistant",
                          "metadata": {"name": f"assistant-{i}"},
                          "spec": {"model": "gpt-6-luna", "instructions": f"Assistant {i}.",
                                   "metadata": {"n": str(i)}}})
        documents.append({"apiVersion": "reconciler/v1", "kind": "Agent",
                          "metadata": {"name": f"agent-{i}"},
                          "spec": {"model": "gpt-6.1-sol", "instructions": f"Agent {i}.",
                                   "reasoning": {"effort": "low"}}})
    write_manifests(folder, documents)
    for i in range(2):  # drifted: managed, with other values
        create_live(client, "Assistant", {"model": "gpt-6-sol", "instructions": "old"},
                    owner=f"assistant-{i}")
        create_live(client, "Agent", {"model": "gpt-5.6-terra"}, owner=f"agent-{i}")
    create_live(client, "Assistant", {"model": "gpt-6-luna"}, owner="stale-a")
    create_live(client, "Agent", {"model": "gpt-6.1-sol"}, owner="stale-b")
    create_live(client, "Agent", {"model": "gpt-6.1-sol"}, owner="stale-c")
    untouched = {}
    for kind in ("Assistant", "Agent", "Assistant", "Agent"):
        model = "gpt-6-luna" if kind == "Assistant" else "gpt-6.1-sol"
        object_id = create_live(client, kind, {"model": model, "name": "by hand"}, owner=None)
        untouched[(kind, object_id)] = raw_bytes(client, kind, object_id)
    return untouched


def _check(emulator: EmulatorProcess, untouched: dict[tuple[str, str], bytes]) -> None:
    client = sdk(emulator.url)
    for kind, prefix in (("Assistant", "assistant"), ("Agent", "agent")):
        names = managed_names(client, kind)
        assert Counter(names) == Counter(f"{prefix}-{i}" for i in range(6)), (
            f"{kind}: duplicates or leftovers: {sorted(names)}")
    for (kind, object_id), before in untouched.items():
        assert raw_bytes(client, kind, object_id) == before


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_apply_converges_under_faults(emulator: EmulatorProcess, tmp_path: Path, fault: str,
                                      seed: int) -> None:
    emulator.reset()
    untouched = _world(emulator, tmp_path)
    emulator.faults(*FAULTS[fault], seed=seed)
    runs = 0
    while True:
        plan = plan_for(emulator.url, tmp_path)
        if not plan.changes:
            break
        runs += 1
        assert runs <= 5, f"not converged after 5 runs: {[c.address for c in plan.changes]}"
        apply_plan(emulator.url, plan)
    injected = emulator.stats()["faults"]
    emulator.faults()
    assert sum(injected.values()) > 0, "faults were injected"
    _check(emulator, untouched)


def test_commit_then_fail_on_creates_never_duplicates(emulator: EmulatorProcess,
                                                      tmp_path: Path) -> None:
    """Every create is stored and then fails once: each is found, none is sent twice."""
    emulator.reset()
    untouched = _world(emulator, tmp_path)
    creates = {"fault": "commit_then_fail", "then": "disconnect", "methods": ["POST"],
               "times": 4}
    emulator.faults({**creates, "path": "/v1/assistants"}, {**creates, "path": "/v1/agents"})
    outcomes = apply_plan(emulator.url, plan_for(emulator.url, tmp_path))
    emulator.faults()
    assert all(o.ok for o in outcomes)
    recovered = [o for o in outcomes if o.recovered]
    assert len(recovered) == 8
    assert plan_for(emulator.url, tmp_path).changes == ()
    _check(emulator, untouched)


def test_cli_apply_converges_with_its_default_retries(emulator: EmulatorProcess,
                                                      tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    emulator.reset()
    untouched = _world(emulator, tmp_path / "manifests")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "reconciler.yaml").write_text("manifests: [manifests]\n")
    emulator.faults(*FAULTS["mixed"], seed=11)
    env = {"OPENAI_BASE_URL": emulator.url, "OPENAI_API_KEY": "k"}
    for _ in range(5):
        result = CliRunner().invoke(cli, ["apply", "--auto-approve"], env=env)
        if "No changes." in result.stdout:
            break
    else:
        raise AssertionError("the CLI did not converge in 5 runs")
    emulator.faults()
    _check(emulator, untouched)
