"""Files and vector stores at scale, against the emulator.

Two stores, each applied by a real `reconciler apply` process:
  - 2,000 small Markdown files (about 2 KiB each);
  - one 200 MiB text file.
For each: the wall time and peak memory (RSS) of the first apply, the bytes and requests it
sent; then a second apply with nothing changed: its time, every request it sent, and how many
of them list a store's files. Then the small store again, with its first apply killed half-way
through the uploads: how many files the next apply sends, and how many it reuses.

    .venv/bin/python bench/files.py [--small 2000] [--large-mib 200] [--parallelism 8]

Targets (issue 6): the re-apply sends no upload and at most a few list requests per store;
uploading the large file does not read it into memory (peak RSS grows by less than half its
size over that of an apply with nothing to do).
Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from openai_emulator.process import EmulatorProcess, spawn

RUNNER = """
import atexit, resource, sys
from reconciler.cli import main
target = sys.argv.pop(1)
atexit.register(lambda: open(target, "w").write(
    str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)))
main()
"""
"""Runs the CLI in a fresh process and writes its peak RSS (KiB) to a file at exit."""

STORE = """apiVersion: reconciler/v1
kind: VectorStore
metadata:
  name: {name}
spec:
  files: ["{glob}"]
"""


def write_small(folder: Path, count: int) -> int:
    """`count` Markdown pages of about 2 KiB; return their total size."""
    total = 0
    pages = folder / "small"
    pages.mkdir(parents=True)
    for i in range(count):
        text = f"# Page {i}\n\n" + (f"Paragraph {i} of the handbook, about topic {i % 97}. "
                                    * 30) + "\n"
        (pages / f"page-{i:05}.md").write_text(text)
        total += len(text.encode())
    (folder / "small.yaml").write_text(STORE.format(name="handbook", glob="small/*.md"))
    return total


def write_large(folder: Path, mib: int) -> int:
    """One text file of `mib` MiB, written in 1 MiB blocks; return its size."""
    (folder / "large").mkdir(parents=True)
    line = ("The quick brown fox jumps over the lazy dog; " * 2 + "\n").encode()
    block = (line * (1024 * 1024 // len(line) + 1))[: 1024 * 1024]
    with open(folder / "large" / "archive.txt", "wb") as out:
        for _ in range(mib):
            out.write(block)
    (folder / "large.yaml").write_text(STORE.format(name="archive", glob="large/*.txt"))
    return mib * 1024 * 1024


def run_apply(emulator: EmulatorProcess, folder: Path, parallelism: int) -> dict[str, Any]:
    """One `reconciler apply --auto-approve` process: seconds, peak RSS, requests."""
    emulator.call("DELETE", "/stats")
    rss_file = folder / ".rss"
    env = {**os.environ, "OPENAI_BASE_URL": emulator.url, "OPENAI_API_KEY": "bench"}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, str(rss_file), "apply", "--auto-approve",
         "--parallelism", str(parallelism), str(folder)],
        cwd=folder, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"apply failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    requests: dict[str, int] = emulator.stats()["requests"]
    return {"seconds": seconds, "rss_mib": int(rss_file.read_text()) / 1024,
            "requests": requests, "output": done.stdout}


def interrupted(emulator: EmulatorProcess, folder: Path, parallelism: int,
                count: int) -> list[str]:
    """Kill an apply of `count` files half-way through its uploads, apply again: how many
    files the second apply sends, and what it leaves behind."""
    emulator.reset()
    env = {**os.environ, "OPENAI_BASE_URL": emulator.url, "OPENAI_API_KEY": "bench"}
    process = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "apply", "--auto-approve", "--parallelism",
         str(parallelism), str(folder)], cwd=folder, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while emulator.stats()["requests"].get("POST /v1/files", 0) < count // 2:
        if process.poll() is not None:
            return ["interrupted: the apply finished before it could be killed"]
        time.sleep(0.01)
    process.kill()
    process.wait()
    stranded = emulator.stats()["requests"].get("POST /v1/files", 0)
    resumed = run_apply(emulator, folder, parallelism)
    sent = resumed["requests"].get("POST /v1/files", 0)
    deleted = resumed["requests"].get("DELETE /v1/files/{file_id}", 0)
    print(f"\n== apply of {count:,} files killed after {stranded:,} uploads, then applied again")
    print(f"second apply: {resumed['seconds']:.2f} s, {sent:,} uploads (not {count:,}), "
          f"{count - sent:,} earlier uploads reused, {deleted} deleted")
    again = run_apply(emulator, folder, parallelism)
    writes = {k: v for k, v in again["requests"].items() if not k.startswith("GET")}
    missed = []
    if sent > count - stranded + parallelism:
        missed.append(f"interrupted: the second apply uploaded {sent:,} files")
    if writes:
        missed.append(f"interrupted: a third apply still wrote {writes}")
    return missed


def store_lists(requests: dict[str, int]) -> int:
    return sum(n for label, n in requests.items()
               if label.startswith("GET /v1/vector_stores/") and label.endswith("/files"))


def report(title: str, size: int, first: dict[str, Any], again: dict[str, Any]) -> list[str]:
    """Print the figures of one scenario; return the targets it missed."""
    uploads = first["requests"].get("POST /v1/files", 0)
    print(f"\n== {title}")
    print(f"first apply: {first['seconds']:.2f} s, {uploads} uploads, "
          f"{size / 1024 / 1024:.1f} MiB, {size / 1024 / 1024 / first['seconds']:.1f} MiB/s, "
          f"peak RSS {first['rss_mib']:.0f} MiB, {sum(first['requests'].values())} requests")
    print("  requests: " + ", ".join(f"{k} x{v}" for k, v in sorted(first["requests"].items())))
    print(f"re-apply (nothing changed): {again['seconds']:.2f} s, "
          f"{sum(again['requests'].values())} requests, "
          f"{again['requests'].get('POST /v1/files', 0)} uploads, "
          f"{store_lists(again['requests'])} store file list requests, "
          f"peak RSS {again['rss_mib']:.0f} MiB")
    print("  requests: " + ", ".join(f"{k} x{v}" for k, v in sorted(again["requests"].items())))
    missed = []
    writes = {k: v for k, v in again["requests"].items() if not k.startswith("GET")}
    if writes:
        missed.append(f"{title}: the re-apply wrote: {writes}")
    if store_lists(again["requests"]) > 3:
        missed.append(f"{title}: the re-apply listed store files "
                      f"{store_lists(again['requests'])} times")
    return missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=2000)
    parser.add_argument("--large-mib", type=int, default=200)
    parser.add_argument("--parallelism", type=int, default=8)
    args = parser.parse_args()
    missed: list[str] = []
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        emulator = spawn(root / "emulator", "--index-delay", "0.05")
        try:
            small = root / "small-project"
            size = write_small(small, args.small)
            first = run_apply(emulator, small, args.parallelism)
            again = run_apply(emulator, small, args.parallelism)
            missed += report(f"{args.small:,} small files", size, first, again)
            missed += interrupted(emulator, small, args.parallelism, args.small)
            emulator.reset()
            large = root / "large-project"
            size = write_large(large, args.large_mib)
            first = run_apply(emulator, large, args.parallelism)
            again = run_apply(emulator, large, args.parallelism)
            missed += report(f"one {args.large_mib} MiB file", size, first, again)
            growth = round(first["rss_mib"] - again["rss_mib"])
            print(f"peak RSS while uploading minus peak RSS of a plan alone: {growth:.0f} MiB "
                  f"(the file: {args.large_mib} MiB)")
            if growth > args.large_mib / 2:
                missed.append(f"peak RSS grew {growth:.0f} MiB while uploading a "
                              f"{args.large_mib} MiB file: it was read into memory")
        finally:
            emulator.stop()
    print()
    for problem in missed:
        print(f"MISSED: {problem}")
    print(json.dumps({"targets_met": not missed}))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
