"""`reconciler usage` at scale: 200 managed agents with 50,000 sessions over 30 days.

Starts an emulator of its own, creates the agents with `reconciler apply`, seeds the sessions
(`POST /admin/seed/sessions`), then runs `reconciler usage --format json` as a user would (a
fresh process), with latency added to every request, at --parallelism 1 and 8, and prints
for each: the requests the command made (from the emulator's counters), those that listed
sessions, its wall time, and the speed-up of reading in parallel. A 7-day window is run too:
reading stops at the first page older than the window.

    .venv/bin/python bench/usage.py [--agents 200] [--sessions 50000] [--latency-ms 20]

Target (issue 15): reading is bounded: the session list requests are the pages of each
agent's sessions in the window (100 a page, plus the one that shows where the window ends),
never the whole history. Exits 1 when it is missed. The parallel speed-up is printed, not a
target: on two cores shared with the emulator, building 50,000 sessions from JSON (the
emulator's and the client's) is most of the time once requests overlap.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from openai_emulator.process import EmulatorProcess, spawn
from reconciler.localemulator import request_seed

SESSIONS_ROUTE = "GET /v1/agents/sessions"


def project(folder: Path, agents: int) -> None:
    (folder / "manifests").mkdir(parents=True, exist_ok=True)
    (folder / "reconciler.yaml").write_text("manifests: [manifests]\n")
    documents = [{"apiVersion": "reconciler/v1", "kind": "Agent",
                  "metadata": {"name": f"agent-{i:03d}"},
                  "spec": {"model": "gpt-5.6-terra" if i % 3 else "gpt-6.1-sol",
                           "instructions": f"Agent {i}: help customers."}}
                 for i in range(agents)]
    (folder / "manifests" / "agents.yaml").write_text(
        "\n---\n".join(json.dumps(d) for d in documents) + "\n")


def environment(url: str) -> dict[str, str]:
    kept = {k: v for k, v in os.environ.items()
            if not k.startswith(("OPENAI_", "RECONCILER_"))}
    return {**kept, "OPENAI_BASE_URL": url, "OPENAI_API_KEY": "bench", "NO_COLOR": "1"}


def reconciler(folder: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "reconciler", *args], cwd=folder,
                          env=environment(url), capture_output=True, text=True, check=True)


def measure(emulator: EmulatorProcess, folder: Path, since: str, parallelism: int,
            latency_ms: int) -> dict[str, Any]:
    emulator.faults(latency_ms=latency_ms)
    emulator.call("DELETE", "/stats")
    started = time.perf_counter()
    done = reconciler(folder, emulator.url, "usage", "--since", since, "--format", "json",
                      "--parallelism", str(parallelism))
    elapsed = time.perf_counter() - started
    stats = emulator.stats()
    emulator.faults()
    report = json.loads(done.stdout)
    routes = stats["requests"]
    return {"seconds": elapsed, "requests": stats["total"],
            "session_lists": routes.get(SESSIONS_ROUTE, 0),
            "sessions": report["total"]["sessions"],
            "pages_needed": sum(max(1, math.ceil(a["sessions"] / 100))
                                for a in report["agents"])}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--sessions", type=int, default=50_000)
    parser.add_argument("--latency-ms", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-usage-") as tmp:
        folder = Path(tmp)
        emulator = spawn(folder / "emulator", "--index-delay", "0")
        try:
            project(folder, args.agents)
            reconciler(folder, emulator.url, "apply", "--auto-approve", "--parallelism", "16")
            started = time.perf_counter()
            seeded = request_seed(emulator.url, {"days": 30, "seed": 1,
                                                 "per_day": math.ceil(args.sessions / 30)})
            print(f"seeded {seeded['created']:,} sessions for {seeded['agents']} agents in "
                  f"{time.perf_counter() - started:.2f} s")
            print(f"reconciler usage --format json, {args.latency_ms} ms added to every "
                  "request (a fresh process each, start-up included)")
            results = {}
            for since, parallelism in (("30d", 1), ("30d", 8), ("7d", 8)):
                found = measure(emulator, folder, since, parallelism, args.latency_ms)
                results[(since, parallelism)] = found
                print(f"  --since {since:>3} --parallelism {parallelism}: "
                      f"{found['sessions']:>6,} sessions, {found['requests']:>4} requests "
                      f"({found['session_lists']} session lists, {found['pages_needed']} "
                      f"pages of the window), {found['seconds']:6.2f} s")
        finally:
            emulator.stop()
    speedup = results[("30d", 1)]["seconds"] / results[("30d", 8)]["seconds"]
    bounded = all(r["session_lists"] <= r["pages_needed"] + args.agents
                  for r in results.values())
    print(f"  parallelism 8 vs 1: {speedup:.1f}x faster; list requests within the window's "
          f"pages (+1 per agent to see where it ends): {'met' if bounded else 'MISSED'}")
    met = bounded
    print(json.dumps({"speedup": round(speedup, 2), "bounded": bounded, "targets_met": met}))
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
