"""Throughput and latency of the emulator under a mixed read/write load.

Open loop: request i is scheduled at start + i / rate, whatever happened before, and its
latency is measured from that scheduled moment, so a slow server cannot hide its queue
(no coordinated omission). The emulator runs as its own process, on loopback.

    .venv/bin/python bench/emulator.py [--rate 500] [--seconds 20] [--write-share 0.4]

Prints the achieved rate, latency percentiles (all, reads, writes) and errors; exits 1 when
the target (p99 < 50 ms at the requested rate, no errors) is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx2

from openai_emulator.process import spawn

HEADERS = {"Authorization": "Bearer bench", "OpenAI-Beta": "assistants=v2,agents=v1"}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


class Workload:
    """Chooses the next request: reads of existing objects, or creates/updates/deletes."""

    def __init__(self, write_share: float, seed: int = 1) -> None:
        self.random = random.Random(seed)
        self.write_share = write_share
        self.assistants: list[str] = []
        self.agents: list[str] = []

    def next(self) -> tuple[str, str, str, dict[str, Any] | None]:
        """Return (kind, method, path, body); kind is 'read' or 'write'."""
        r = self.random
        if r.random() < self.write_share or len(self.assistants) < 5:
            choice = r.choice(["create_assistant", "update_assistant", "create_agent",
                               "update_agent", "delete_assistant"])
            if choice == "create_assistant" or not self.assistants:
                return ("write", "POST", "/assistants", {
                    "model": "gpt-6-luna", "name": f"bench {r.random():.6f}",
                    "instructions": "Answer briefly." * 20, "metadata": {"bench": "yes"},
                    "tools": [{"type": "code_interpreter"}]})
            if choice == "update_assistant":
                return ("write", "POST", f"/assistants/{r.choice(self.assistants)}",
                        {"temperature": round(r.random(), 2)})
            if choice == "create_agent" or not self.agents:
                return ("write", "POST", "/agents", {"model": "gpt-6.1-sol", "name": "bench agent",
                                                     "tools": [{"type": "web_search"}]})
            if choice == "update_agent":
                return ("write", "POST", f"/agents/{r.choice(self.agents)}",
                        {"metadata": {"n": str(r.randint(0, 9))}})
            return ("write", "DELETE", f"/assistants/{self.assistants.pop(0)}", None)
        choice = r.random()
        if choice < 0.4:
            return ("read", "GET", f"/assistants/{r.choice(self.assistants)}", None)
        if choice < 0.7:
            return ("read", "GET", "/assistants?limit=20", None)
        if choice < 0.9 and self.agents:
            return ("read", "GET", f"/agents/{r.choice(self.agents)}", None)
        return ("read", "GET", "/models", None)

    def learn(self, path: str, method: str, body: Any) -> None:
        if method == "POST" and path in ("/assistants", "/agents") and isinstance(body, dict):
            (self.assistants if path == "/assistants" else self.agents).append(body["id"])


async def run(url: str, rate: float, seconds: float, write_share: float) -> dict[str, Any]:
    workload = Workload(write_share)
    limits = httpx2.Limits(max_connections=64, max_keepalive_connections=64)
    latencies: dict[str, list[float]] = {"read": [], "write": []}
    errors: list[str] = []
    async with httpx2.AsyncClient(base_url=url, headers=HEADERS, limits=limits,
                                  timeout=10) as client:
        for _ in range(20):  # warm up: some objects to read, connections open
            await one(client, workload, *workload.next(), time.perf_counter(), latencies, errors)
        latencies = {"read": [], "write": []}
        total = int(rate * seconds)
        start = time.perf_counter() + 0.1
        tasks = []
        for i in range(total):
            scheduled = start + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(
                one(client, workload, *workload.next(), scheduled, latencies, errors)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - start
    return {"requests": total, "elapsed": elapsed, "latencies": latencies, "errors": errors}


async def one(client: httpx2.AsyncClient, workload: Workload, kind: str, method: str,
              path: str, body: dict[str, Any] | None, scheduled: float,
              latencies: dict[str, list[float]], errors: list[str]) -> None:
    try:
        response = await client.request(method, path, json=body)
        payload = response.json()
        if response.status_code >= 400 and response.status_code != 404:
            errors.append(f"{method} {path}: {response.status_code}")
        else:
            workload.learn(path, method, payload)
    except httpx2.HTTPError as exc:
        errors.append(f"{method} {path}: {type(exc).__name__}")
    latencies[kind].append((time.perf_counter() - scheduled) * 1000)


def report(result: dict[str, Any], rate: float) -> bool:
    lat = result["latencies"]
    every = lat["read"] + lat["write"]
    achieved = result["requests"] / result["elapsed"]
    print(f"target rate          {rate:8.0f} req/s")
    print(f"achieved rate        {achieved:8.1f} req/s  ({result['requests']} requests in "
          f"{result['elapsed']:.1f} s)")
    for label, values in (("all", every), ("reads", lat["read"]), ("writes", lat["write"])):
        if values:
            print(f"latency {label:7s}      p50 {percentile(values, .5):6.2f} ms   "
                  f"p90 {percentile(values, .9):6.2f} ms   p99 {percentile(values, .99):6.2f} ms"
                  f"   max {max(values):7.2f} ms   mean {statistics.mean(values):6.2f} ms"
                  f"   n={len(values)}")
    print(f"errors               {len(result['errors'])}")
    for error in result["errors"][:5]:
        print(f"  {error}")
    p99 = percentile(every, 0.99)
    passed = p99 < 50 and not result["errors"] and achieved >= rate * 0.97
    print(f"target p99 < 50 ms at {rate:.0f} req/s: {'met' if passed else 'MISSED'} "
          f"(p99 {p99:.2f} ms)")
    return passed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=500)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--write-share", type=float, default=0.4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        emulator = spawn(Path(folder), "--index-delay", "0")
        try:
            result = asyncio.run(run(emulator.url, args.rate, args.seconds, args.write_share))
            counted = emulator.stats()["total"]
        finally:
            emulator.stop()
    print(f"server counted       {counted} requests")
    sys.exit(0 if report(result, args.rate) else 1)


if __name__ == "__main__":
    main()
