"""Plan and apply at scale against the emulator with added latency.

For 100, 1,000 and 5,000 managed objects (half assistants, half agents, already in sync):
the requests and wall time of `plan`, the time of its list requests alone, their ratio, and
the peak memory of the plan process. The plan and its list requests alone each run in a
fresh process (so both pay the SDK's first-request costs); start-up (interpreter and
imports, the same for any command) is printed apart.
Then 200 creates applied at parallelism 1 and 8.

    .venv/bin/python bench/plan_apply.py [--sizes 100,1000,5000] [--latency-ms 50]

Targets (issue 4): plan/list ratio at 1,000 at most 1.5; parallelism 8 at least 5x faster
than 1. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from openai_emulator.process import EmulatorProcess, spawn
from reconciler import kinds
from reconciler.apply.executor import Executor
from reconciler.connection import Connection
from reconciler.model.config import ProjectConfig
from reconciler.pipeline import Sources, make_plan, providers_for, read_live
from reconciler.settings import Settings


def manifests(folder: Path, count: int) -> None:
    """Write `count` resources (half of each kind) in files of 100 documents."""
    folder.mkdir(parents=True, exist_ok=True)
    documents = []
    for i in range(count):
        if i % 2 == 0:
            documents.append({"apiVersion": "reconciler/v1", "kind": "Assistant",
                              "metadata": {"name": f"assistant-{i}"},
                              "spec": {"model": "gpt-6-luna", "instructions": f"Assistant {i}.\n"
                                       "Answer briefly and cite the policy.",
                                       "metadata": {"team": "bench"}, "temperature": 0.4,
                                       "tools": [{"type": "code_interpreter"}]}})
        else:
            documents.append({"apiVersion": "reconciler/v1", "kind": "Agent",
                              "metadata": {"name": f"agent-{i}"},
                              "spec": {"model": "gpt-6.1-sol", "instructions": f"Agent {i}.",
                                       "reasoning": {"effort": "low"},
                                       "tools": [{"type": "web_search"}]}})
    for start in range(0, count, 100):
        chunk = documents[start:start + 100]
        (folder / f"part-{start // 100:03d}.yaml").write_text(
            "\n---\n".join(json.dumps(d) for d in chunk) + "\n")


def settings_for(folder: Path) -> Settings:
    return Settings(root=folder, config=ProjectConfig(manifests=[str(folder)]))


def populate(url: str, folder: Path) -> None:
    """Create the live objects the manifests declare, fast (no latency, 16 at a time)."""
    connection = Connection(url, "bench", source="flag")
    plan = make_plan(settings_for(folder), connection, Sources.over(connection.client())).plan
    client = connection.client(parallelism=16)
    providers = providers_for(client)
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda c: providers[c.kind].create(c.body), plan.changes))


def expected_requests(count: int) -> int:
    """The list requests every kind's `listing` declares for `count` objects (half
    assistants, half agents), and one for the models."""
    counts = {"Assistant": count - count // 2, "Agent": count // 2}
    return 1 + sum(spec.listing.requests(counts.get(spec.kind, 0))
                   for spec in kinds.LIVE if spec.listing is not None)


def child(mode: str, url: str, folder: str, started_process: float) -> None:
    """In a fresh process: run one plan, or only its list requests; print time and memory."""
    startup = time.time() - started_process
    connection = Connection(url, "bench", source="flag")
    client = connection.client()
    gc.freeze()  # as the command line does once a command is imported (reconciler/cli.py)
    started = time.perf_counter()
    if mode == "plan":
        sources = Sources.over(client)
        changes = len(make_plan(settings_for(Path(folder)), connection, sources).plan.changes)
    else:
        read_live(Sources.over(client))
        changes = 0
    elapsed = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": elapsed, "startup": startup, "changes": changes,
                      "peak_mib": peak_kib / 1024}))


def run_child(mode: str, url: str, folder: Path) -> dict[str, Any]:
    output = subprocess.run([sys.executable, __file__, "--child", mode, url, str(folder),
                             str(time.time())], capture_output=True, text=True,
                            check=True).stdout
    result: dict[str, Any] = json.loads(output)
    return result


def measure_plan(emulator: EmulatorProcess, folder: Path, count: int,
                 latency_ms: int) -> dict[str, Any]:
    emulator.reset()
    manifests(folder, count)
    populate(emulator.url, folder)
    emulator.faults(latency_ms=latency_ms)
    emulator.call("DELETE", "/stats")
    result = run_child("plan", emulator.url, folder)
    result["requests"] = emulator.stats()["requests"]
    result["lists_alone"] = run_child("lists", emulator.url, folder)["seconds"]
    emulator.faults()
    result["count"] = count
    return result


def measure_apply(emulator: EmulatorProcess, folder: Path, parallelism: int,
                  latency_ms: int, count: int = 200) -> float:
    emulator.reset()
    manifests(folder, count)
    connection = Connection(emulator.url, "bench", source="flag")
    plan = make_plan(settings_for(folder), connection, Sources.over(connection.client())).plan
    assert len(plan.changes) == count
    emulator.faults(latency_ms=latency_ms)
    client = connection.client(parallelism=parallelism)
    started = time.perf_counter()
    outcomes = Executor(providers_for(client), parallelism=parallelism).run(plan)
    elapsed = time.perf_counter() - started
    emulator.faults()
    assert all(o.ok for o in outcomes)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100,1000,5000")
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, url, folder, started = args.child
        child(mode, url, folder, float(started))
        return
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        emulator = spawn(Path(tmp), "--index-delay", "0")
        try:
            print(f"plan, {args.latency_ms} ms added to every request, objects already in sync")
            print(f"{'objects':>8} {'requests':>9} {'expected':>9} {'plan s':>8} "
                  f"{'lists s':>8} {'ratio':>6} {'peak MiB':>9} {'start-up s':>11}")
            for count in (int(s) for s in args.sizes.split(",")):
                result = measure_plan(emulator, Path(tmp) / f"m{count}", count,
                                      args.latency_ms)
                total = sum(result["requests"].values())
                expected = expected_requests(count)
                ratio = result["seconds"] / result["lists_alone"]
                print(f"{count:>8} {total:>9} {expected:>9} {result['seconds']:>8.3f} "
                      f"{result['lists_alone']:>8.3f} {ratio:>6.2f} {result['peak_mib']:>9.1f} "
                      f"{result['startup']:>11.2f}")
                print(f"         requests: {result['requests']}")
                ok &= total == expected and result["changes"] == 0
                if count == 1000:
                    ok &= ratio <= 1.5
            print(f"\napply of 200 creates, {args.latency_ms} ms added to every request")
            times = {p: measure_apply(emulator, Path(tmp) / f"a{p}", p, args.latency_ms)
                     for p in (1, 8)}
            speedup = times[1] / times[8]
            print(f"  parallelism 1: {times[1]:.2f} s   parallelism 8: {times[8]:.2f} s   "
                  f"speed-up {speedup:.1f}x (target at least 5x)")
            ok &= speedup >= 5
        finally:
            emulator.stop()
    print("\ntargets " + ("met" if ok else "MISSED"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
