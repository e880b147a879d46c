"""Apply under injected faults against the emulator, as a user runs it (a fresh process).

Each trial resets the emulator, declares a project (assistants, agents, a vector store of
repository files and an assistant using it), drifts some managed objects, adds unmanaged
ones, then injects one kind of fault at `--rate` on reads (GET) and writes (POST, DELETE)
and runs `reconciler apply --auto-approve` once. A trial converged when that one apply
exited 0 and a plan made afterwards, without faults, is empty. Then it counts managed
objects claimed twice (duplicates), uploads of ours that nothing uses (orphans), and
unmanaged objects whose bytes changed.

    .venv/bin/python bench/chaos.py [--trials 2] [--rate 0.3]

Goal (issue 12): every trial converged; 0 duplicates, 0 orphans, 0 unmanaged changed.
Exits 1 when it is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import openai

from reconciler import ownership
from reconciler.emulator.process import EmulatorProcess, spawn

warnings.filterwarnings("ignore", message="deprecated", category=DeprecationWarning)

READS = {"methods": ["GET"]}
WRITES = {"methods": ["POST", "DELETE"]}


def fault_kinds(rate: float) -> dict[str, list[dict[str, Any]]]:
    """Each kind of fault at `rate` on reads and on writes (a write stored, then failed, has
    no read counterpart: reads get dropped connections with it)."""
    def both(rule: dict[str, Any]) -> list[dict[str, Any]]:
        return [{**rule, **READS, "rate": rate}, {**rule, **WRITES, "rate": rate}]

    stored = [{"fault": "disconnect", **READS, "rate": rate}]
    return {
        "rate_limit": both({"fault": "rate_limit", "retry_after": 0.05}),
        "server_error": both({"fault": "server_error", "status": 503}),
        "disconnect": both({"fault": "disconnect"}),
        "commit_then_fail": stored + [{"fault": "commit_then_fail", "status": 502, **WRITES,
                                       "rate": rate}],
        "commit_then_disconnect": stored + [{"fault": "commit_then_fail", "then": "disconnect",
                                             **WRITES, "rate": rate}],
        "latency": [{"fault": "latency", "latency_ms": 200, "rate": rate}],
        "mixed": [{"fault": "rate_limit", "retry_after": 0.05, "rate": rate / 4},
                  {"fault": "server_error", "status": 500, "rate": rate / 4},
                  {"fault": "disconnect", "rate": rate / 4},
                  {"fault": "commit_then_fail", "then": "disconnect", **WRITES,
                   "rate": rate / 4}],
    }


def project(root: Path, client: openai.OpenAI) -> dict[tuple[str, str], bytes]:
    """Write the manifests and the live world; return the unmanaged objects' bytes."""
    (root / "reconciler.yaml").write_text("manifests: [manifests]\n")
    docs = root / "manifests" / "docs"
    docs.mkdir(parents=True)
    for i in range(8):
        (docs / f"page-{i}.md").write_text(f"# Page {i}\nSome text about topic {i}.\n")
    documents: list[dict[str, Any]] = [
        {"apiVersion": "reconciler/v1", "kind": "VectorStore", "metadata": {"name": "kb"},
         "spec": {"name": "Knowledge base", "files": ["docs/*.md"]}},
        {"apiVersion": "reconciler/v1", "kind": "Assistant", "metadata": {"name": "helper"},
         "spec": {"model": "gpt-4o", "tools": [{"type": "file_search"}],
                  "tool_resources": {"file_search": {"vector_stores": ["kb"]}}}}]
    for i in range(8):
        documents.append({"apiVersion": "reconciler/v1", "kind": "Assistant",
                          "metadata": {"name": f"assistant-{i}"},
                          "spec": {"model": "gpt-4o", "instructions": f"Assistant {i}."}})
        documents.append({"apiVersion": "reconciler/v1", "kind": "Agent",
                          "metadata": {"name": f"agent-{i}"},
                          "spec": {"model": "gpt-5", "instructions": f"Agent {i}."}})
    (root / "manifests" / "all.yaml").write_text(
        "\n---\n".join(json.dumps(d) for d in documents) + "\n")
    for i in range(2):  # drifted managed objects, and a stale one
        client.beta.assistants.create(model="gpt-4.1", instructions="old",
                                      metadata=ownership.marks(f"assistant-{i}", "0" * 16))
    client.beta.agents.create(model="gpt-5", metadata=ownership.marks("stale", "0" * 16))
    untouched = {}
    for kind in ("Assistant", "Agent", "Assistant"):
        resource = _resource(client, kind)
        created = resource.create(model="gpt-4o" if kind == "Assistant" else "gpt-5",
                                  name="by hand")
        untouched[(kind, created.id)] = _raw(client, kind, created.id)
    return untouched


def _resource(client: openai.OpenAI, kind: str) -> Any:
    return client.beta.assistants if kind == "Assistant" else client.beta.agents


def _raw(client: openai.OpenAI, kind: str, object_id: str) -> bytes:
    return bytes(_resource(client, kind).with_raw_response.retrieve(object_id)
                 .http_response.content)


def reconciler(root: Path, emulator: EmulatorProcess, *args: str) -> int:
    env = {**os.environ, "OPENAI_BASE_URL": emulator.url, "OPENAI_API_KEY": "chaos",
           "NO_COLOR": "1", "XDG_CACHE_HOME": str(root / ".cache")}
    return subprocess.run([sys.executable, "-m", "reconciler", *args], cwd=root, env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          check=False).returncode


def duplicates(client: openai.OpenAI) -> int:
    names: Counter[str] = Counter()
    for kind in ("Assistant", "Agent"):
        for item in _resource(client, kind).list(limit=100):
            name = ownership.owner(item.metadata)
            if name is not None:
                names[f"{kind}/{name}"] += 1
    for store in client.vector_stores.list(limit=100):
        name = ownership.owner(store.metadata)
        if name is not None:
            names[f"VectorStore/{name}"] += 1
    return sum(n - 1 for n in names.values())


def orphans(client: openai.OpenAI) -> int:
    """Our uploads attached to no store and used by no assistant."""
    ours = {f.id for f in client.files.list(purpose="assistants")
            if ownership.uploaded_sha(f.filename)}
    used: set[str] = set()
    for store in client.vector_stores.list(limit=100):
        used.update(f.id for f in client.vector_stores.files.list(store.id, limit=100))
    for assistant in client.beta.assistants.list(limit=100):
        resources = assistant.tool_resources
        if resources and resources.code_interpreter:
            used.update(resources.code_interpreter.file_ids or [])
    return len(ours - used)


def trial(emulator: EmulatorProcess, rules: list[dict[str, Any]], seed: int
          ) -> dict[str, Any]:
    emulator.reset()
    client = openai.OpenAI(base_url=emulator.url, api_key="chaos", max_retries=0)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        untouched = project(root, client)
        emulator.faults(*rules, seed=seed)
        started = time.monotonic()
        code = reconciler(root, emulator, "apply", "--auto-approve", "--retry-timeout", "60")
        seconds = time.monotonic() - started
        stats = emulator.stats()
        emulator.faults()
        empty = reconciler(root, emulator, "plan", "--detailed-exitcode") == 0
        changed = sum(_raw(client, kind, i) != before for (kind, i), before in untouched.items())
        return {"converged": code == 0 and empty, "exit": code,
                "duplicates": duplicates(client), "orphans": orphans(client),
                "unmanaged_changed": changed, "seconds": seconds,
                "requests": sum(stats["requests"].values()),
                "faults": sum(stats["faults"].values())}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=2, help="trials per fault kind")
    parser.add_argument("--rate", type=float, default=0.3, help="fault rate on reads and writes")
    options = parser.parse_args()
    kinds = fault_kinds(options.rate)
    with tempfile.TemporaryDirectory() as folder:
        emulator = spawn(Path(folder), "--index-delay", "0.05")
        try:
            print(f"{'faults':24} {'trials':>6} {'converged':>9} {'dupes':>5} {'orphans':>7} "
                  f"{'unmanaged':>9} {'injected':>8} {'requests':>8} {'seconds':>8}")
            totals: Counter[str] = Counter()
            for name, rules in kinds.items():
                results = [trial(emulator, rules, seed) for seed in range(options.trials)]
                row = {key: sum(r[key] for r in results) for key in (
                    "converged", "duplicates", "orphans", "unmanaged_changed", "faults",
                    "requests", "seconds")}
                totals.update({k: v for k, v in row.items() if k != "seconds"})
                totals["trials"] += len(results)
                print(f"{name:24} {len(results):>6} {row['converged']:>9} "
                      f"{row['duplicates']:>5} {row['orphans']:>7} "
                      f"{row['unmanaged_changed']:>9} {row['faults']:>8} {row['requests']:>8} "
                      f"{row['seconds'] / len(results):>7.1f}s")
        finally:
            emulator.stop()
    print(f"\n{totals['trials']} trials at {options.rate:.0%} faults on reads and writes: "
          f"{totals['converged']} converged in one apply, {totals['duplicates']} duplicates, "
          f"{totals['orphans']} orphaned uploads, {totals['unmanaged_changed']} unmanaged "
          f"objects changed; {totals['faults']} faults injected in {totals['requests']} "
          "requests (seconds: mean per apply)")
    goal = (totals["converged"] == totals["trials"] and totals["duplicates"] == 0
            and totals["orphans"] == 0 and totals["unmanaged_changed"] == 0)
    return 0 if goal else 1


if __name__ == "__main__":
    sys.exit(main())
