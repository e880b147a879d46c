"""Apply under injected faults, concurrent applies and killed applies, against the emulator,
as a user runs it (fresh `python -m reconciler` processes).

Four scenarios (`--only` runs one), each counting trials converged, managed objects claimed
twice (duplicates), uploads of ours that nothing uses (orphans), and unmanaged objects whose
bytes changed:

- faults: each trial resets the emulator, declares a project (assistants, agents, a vector
  store of repository files and an assistant using it), drifts some managed objects, adds
  unmanaged ones, then injects one kind of fault at `--rate` on reads (GET) and writes (POST,
  DELETE) and runs `reconciler apply --auto-approve` once. It converged when that one apply
  exited 0 and a plan made afterwards, without faults, is empty.
- concurrency: `--processes` applies of one 40-object project (a vector store of a few files,
  the assistant using it, assistants and agents) start at once against a fresh state, with
  `--lock-timeout 300`: one writes, the others wait for the apply lock and find nothing left
  to do. Then the same with `--lock-timeout 0`: the others fail at once (exit 1), naming the
  holder. A run converged when no apply failed (or each failure was that clear refusal) and
  a plan afterwards is empty (`plan --detailed-exitcode` exits 0).
- kill: an apply of that project (drifted, with request latency) is killed with SIGKILL after
  a random number of writes or a random delay; then `reconciler lock status --format json`
  shows the lock it left, `reconciler force-unlock ID --yes` breaks it, and one
  `reconciler apply --auto-approve` must converge. Recovery time: from the kill to the end of
  that apply (`--force`: its holder renewed it less than 40 s ago, but is known dead).
- lock-loss: an apply of a 200-object project with 200 ms added to every request loses its
  lock while it writes, and a second apply starts: (a) the lock is deleted by
  `reconciler force-unlock ID --yes --force`, the second apply waits for no lock; (b) the
  second apply's clock runs 200 s ahead (the whole process: `time.time` shifted), so that by
  its own clock the first's lock has expired. The first must stop starting writes once its
  lock is gone, the second must not take a lock renewed by the API's clock; a final apply
  converges.

    .venv/bin/python bench/chaos.py [--only faults|concurrency|kill|lock-loss] [--trials 2]
        [--rate 0.3] [--runs 5] [--runs-no-wait 1] [--processes 8] [--kills 20] [--seed 12]

Goal (issues 12, 25): every trial converged; 0 duplicates, 0 orphans, 0 unmanaged changed.
Exits 1 when it is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import openai

from openai_emulator.process import EmulatorProcess, spawn
from reconciler import lock, ownership

warnings.filterwarnings("ignore", message="deprecated", category=DeprecationWarning)

READS = {"methods": ["GET"]}
WRITES = {"methods": ["POST", "DELETE"]}
PAIRS, PAGES = 19, 4
"""The 40-object project of the concurrency and kill scenarios: a store of 4 files, the
assistant using it, 19 assistants and 19 agents."""
KILL_LATENCY_MS = 40
"""Added to every request of the apply to be killed, so that it lasts long enough to hit."""
KILL_WRITES = 45
"""Kill points by write count are drawn from 1..KILL_WRITES (the apply sends about 50)."""
KILL_DELAY = 1.8
"""Kill points by time are drawn from 0.3..KILL_DELAY seconds (the apply takes about 2)."""
HELD = re.compile(r"^error: the apply lock is held by \S+@\S+ pid \d+ .*\(lock vs_\w+\)")
"""The refusal a `--lock-timeout 0` apply must give while another holds the lock."""


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


def project(root: Path, client: openai.OpenAI, *, pairs: int = 8, pages: int = 8,
            drift: bool = True) -> dict[tuple[str, str], bytes]:
    """Write the manifests (a store of `pages` files, the assistant using it, `pairs`
    assistants and agents) and the live world; return the unmanaged objects' bytes."""
    (root / "reconciler.yaml").write_text("manifests: [manifests]\n")
    docs = root / "manifests" / "docs"
    docs.mkdir(parents=True)
    for i in range(pages):
        (docs / f"page-{i}.md").write_text(f"# Page {i}\nSome text about topic {i}.\n")
    documents: list[dict[str, Any]] = [
        {"apiVersion": "reconciler/v1", "kind": "VectorStore", "metadata": {"name": "kb"},
         "spec": {"name": "Knowledge base", "files": ["docs/*.md"]}},
        {"apiVersion": "reconciler/v1", "kind": "Assistant", "metadata": {"name": "helper"},
         "spec": {"model": "gpt-6-luna", "tools": [{"type": "file_search"}],
                  "tool_resources": {"file_search": {"vector_stores": ["kb"]}}}}]
    for i in range(pairs):
        documents.append({"apiVersion": "reconciler/v1", "kind": "Assistant",
                          "metadata": {"name": f"assistant-{i}"},
                          "spec": {"model": "gpt-6-luna", "instructions": f"Assistant {i}."}})
        documents.append({"apiVersion": "reconciler/v1", "kind": "Agent",
                          "metadata": {"name": f"agent-{i}"},
                          "spec": {"model": "gpt-6.1-sol", "instructions": f"Agent {i}."}})
    (root / "manifests" / "all.yaml").write_text(
        "\n---\n".join(json.dumps(d) for d in documents) + "\n")
    if drift:
        for i in range(2):  # drifted managed objects, and a stale one
            client.beta.assistants.create(model="gpt-6-sol", instructions="old",
                                          metadata=ownership.marks(f"assistant-{i}", "0" * 16))
        client.beta.agents.create(model="gpt-6.1-sol", metadata=ownership.marks("stale", "0" * 16))
    untouched = {}
    for kind in ("Assistant", "Agent", "Assistant"):
        resource = _resource(client, kind)
        created = resource.create(model="gpt-6-luna" if kind == "Assistant" else "gpt-6.1-sol",
                                  name="by hand")
        untouched[(kind, created.id)] = _raw(client, kind, created.id)
    return untouched


def _resource(client: openai.OpenAI, kind: str) -> Any:
    return client.beta.assistants if kind == "Assistant" else client.beta.agents


def _raw(client: openai.OpenAI, kind: str, object_id: str) -> bytes:
    return bytes(_resource(client, kind).with_raw_response.retrieve(object_id)
                 .http_response.content)


SKEWED = ("import sys, time; real = time.time; time.time = lambda: real() + {skew}; "
          "from reconciler.cli import main; main()")
"""A reconciler process on a machine whose clock is `skew` seconds off."""


def _command(root: Path, emulator: EmulatorProcess, *args: str, skew: float = 0.0
             ) -> tuple[list[str], dict[str, str]]:
    env = {**os.environ, "OPENAI_BASE_URL": emulator.url, "OPENAI_API_KEY": "chaos",
           "NO_COLOR": "1", "XDG_CACHE_HOME": str(root / ".cache")}
    if skew:
        return [sys.executable, "-c", SKEWED.format(skew=skew), *args], env
    return [sys.executable, "-m", "reconciler", *args], env


def reconciler(root: Path, emulator: EmulatorProcess, *args: str) -> int:
    """Run one command to its end; its exit code."""
    argv, env = _command(root, emulator, *args)
    return subprocess.run(argv, cwd=root, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, check=False).returncode


@dataclass(frozen=True)
class Finished:
    """A reconciler process as it ended: its exit code and what it printed."""

    code: int
    stdout: str
    stderr: str
    pid: int

    @property
    def changes(self) -> int:
        """Changes an apply reported made (created, updated, replaced, deleted)."""
        done = re.search(r"^Apply \w+: .*$", self.stdout + self.stderr, re.MULTILINE)
        counts = re.findall(r"(\d+) (?:created|updated|replaced|deleted)",
                            done.group(0) if done else "")
        return sum(int(n) for n in counts)

    @property
    def waited(self) -> bool:
        return "Waiting for the apply lock" in self.stderr

    @property
    def replanned(self) -> bool:
        """Whether the plan made under the lock differed from the first (stale)."""
        return "planned again:" in self.stderr

    @property
    def error(self) -> str:
        """The first `error:` line, else the last line on stderr."""
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        return next((line for line in lines if line.startswith("error:")),
                    lines[-1] if lines else "")


@dataclass
class Started:
    """A reconciler process running in the background, its output going to files."""

    process: subprocess.Popen[bytes]
    out: Path
    err: Path

    @classmethod
    def of(cls, root: Path, emulator: EmulatorProcess, *args: str, log: str,
           skew: float = 0.0) -> Started:
        argv, env = _command(root, emulator, *args, skew=skew)
        out, err = root / f"{log}.out", root / f"{log}.err"
        with out.open("wb") as stdout, err.open("wb") as stderr:
            return cls(subprocess.Popen(argv, cwd=root, env=env, stdout=stdout,
                                        stderr=stderr), out, err)

    def finish(self, timeout: float | None = None) -> Finished:
        code = self.process.wait(timeout)
        return Finished(code, self.out.read_text(), self.err.read_text(), self.process.pid)


def run(root: Path, emulator: EmulatorProcess, *args: str) -> Finished:
    """Run one command to its end; its exit code and output."""
    return Started.of(root, emulator, *args, log="run").finish()


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


def lock_objects(client: openai.OpenAI) -> int:
    """Apply lock objects on the live side (none once every apply has ended)."""
    return sum(lock.is_lock(store.metadata) for store in client.vector_stores.list(limit=100))


def checks(client: openai.OpenAI, untouched: dict[tuple[str, str], bytes]) -> dict[str, int]:
    """Duplicates, orphans, unmanaged objects changed and lock objects left, as they are."""
    changed = sum(_raw(client, kind, i) != before for (kind, i), before in untouched.items())
    return {"duplicates": duplicates(client), "orphans": orphans(client),
            "unmanaged_changed": changed, "locks": lock_objects(client)}


def _client(emulator: EmulatorProcess) -> openai.OpenAI:
    return openai.OpenAI(base_url=emulator.url, api_key="chaos", max_retries=0, timeout=30)


class EmulatorLog:
    """Reads the emulator's output as it comes, counting the internal errors it logs.

    `spawn` leaves that output in a pipe nobody reads: past 64 KiB (a dozen tracebacks of
    clients killed mid-request) the emulator blocks writing it and stops answering."""

    def __init__(self, emulator: EmulatorProcess) -> None:
        self.errors = 0
        threading.Thread(target=self._read, args=(emulator.process.stdout,), daemon=True,
                         name="emulator-log").start()

    def _read(self, stream: IO[str] | None) -> None:
        for line in stream or ():
            self.errors += line.startswith("internal error")


def _goal(totals: Counter[str]) -> bool:
    return (totals["converged"] == totals["trials"] and totals["duplicates"] == 0
            and totals["orphans"] == 0 and totals["unmanaged_changed"] == 0)


# --- faults ----------------------------------------------------------------------------


def trial(emulator: EmulatorProcess, rules: list[dict[str, Any]], seed: int
          ) -> dict[str, Any]:
    emulator.reset()
    client = _client(emulator)
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
        return {"converged": code == 0 and empty, "exit": code,
                **checks(client, untouched), "seconds": seconds,
                "requests": sum(stats["requests"].values()),
                "faults": sum(stats["faults"].values())}


def faults(emulator: EmulatorProcess, options: argparse.Namespace) -> bool:
    """Every fault kind at `--rate`, `--trials` times each; whether the goal was met."""
    print(f"{'faults':24} {'trials':>6} {'converged':>9} {'dupes':>5} {'orphans':>7} "
          f"{'unmanaged':>9} {'injected':>8} {'requests':>8} {'seconds':>8}")
    totals: Counter[str] = Counter()
    for name, rules in fault_kinds(options.rate).items():
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
    print(f"\n{totals['trials']} trials at {options.rate:.0%} faults on reads and writes: "
          f"{totals['converged']} converged in one apply, {totals['duplicates']} duplicates, "
          f"{totals['orphans']} orphaned uploads, {totals['unmanaged_changed']} unmanaged "
          f"objects changed; {totals['faults']} faults injected in {totals['requests']} "
          "requests (seconds: mean per apply)")
    return _goal(totals)


# --- concurrency -----------------------------------------------------------------------


def race(emulator: EmulatorProcess, processes: int, lock_timeout: int) -> dict[str, Any]:
    """`processes` applies of one project at once on a fresh state, then a plan."""
    emulator.reset()
    client = _client(emulator)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        untouched = project(root, client, pairs=PAIRS, pages=PAGES, drift=False)
        started = time.monotonic()
        applies = [Started.of(root, emulator, "apply", "--auto-approve", "--lock-timeout",
                              str(lock_timeout), log=f"apply-{i}") for i in range(processes)]
        ended = [apply.finish(timeout=lock_timeout + 120) for apply in applies]
        seconds = time.monotonic() - started
        empty = reconciler(root, emulator, "plan", "--detailed-exitcode") == 0
        return {"ended": ended, "empty": empty, "seconds": seconds,
                **checks(client, untouched)}


def _refused(ended: Finished) -> bool:
    """Whether a failed apply said clearly that another holds the lock (naming it)."""
    return ended.code == 1 and HELD.match(ended.error) is not None


def _named(ended: Finished) -> int | None:
    """The pid a refusal names as the lock's holder."""
    found = re.search(r" pid (\d+) ", ended.error)
    return int(found.group(1)) if found else None


def race_row(result: dict[str, Any], *, refusals_allowed: bool) -> dict[str, Any]:
    """A race's counts: wrote; found nothing after waiting, under the lock with a stale
    plan, or at the first plan; failed (refused clearly; naming the apply that wrote)."""
    ended: list[Finished] = result["ended"]
    failed = [e for e in ended if e.code != 0]
    refused = [e for e in failed if refusals_allowed and _refused(e)]
    nothing = [e for e in ended if e.code == 0 and e.changes == 0]
    writers = {e.pid for e in ended if e.code == 0 and e.changes > 0}
    return {"wrote": len(writers), "waited": sum(e.waited for e in nothing),
            "stale": sum(e.replanned and not e.waited for e in nothing),
            "first": sum(not (e.replanned or e.waited) for e in nothing),
            "failed": len(failed), "refused": len(refused),
            "named_writer": sum(_named(e) in writers for e in refused),
            "converged": int(len(refused) == len(failed) and result["empty"]),
            "errors": Counter(_error_line(e, writers) for e in failed)}


def _error_line(ended: Finished, writers: set[int]) -> str:
    """`exit 1: error: …` with the lock id and times cut, and whether it names the writer."""
    error = re.sub(r" since \S+, expires in \d+ s \(lock \w+\)", "", ended.error)
    if _refused(ended):
        named = "the apply that wrote" if _named(ended) in writers else "an apply that did not"
        error = re.sub(r" pid \d+", " pid N", error) + f" [pid N: {named}]"
    return f"exit {ended.code}: {error}"


def concurrency(emulator: EmulatorProcess, options: argparse.Namespace) -> bool:
    """`--runs` races at --lock-timeout 300, and `--runs-no-wait` at 0; goal met?"""
    print("none: found nothing to do, after waiting for the lock / under a free lock with a "
          "stale plan / at the first plan; locks: lock objects left at the end")
    print(f"{'race':10} {'lock-timeout':>12} {'applies':>7} {'wrote':>5} {'none':>10} "
          f"{'failed':>6} {'dupes':>5} {'orphans':>7} {'unmanaged':>9} {'locks':>5} "
          f"{'plan empty':>10} {'seconds':>8}")
    totals: dict[int, Counter[str]] = {300: Counter(), 0: Counter()}
    races = [(300, n) for n in range(options.runs)] + [(0, n) for n in range(options.runs_no_wait)]
    for lock_timeout, number in races:
        result = race(emulator, options.processes, lock_timeout)
        row = race_row(result, refusals_allowed=lock_timeout == 0)
        none = f"{row['waited']}/{row['stale']}/{row['first']}"
        print(f"{f'run {number + 1}':10} {lock_timeout:>12} {options.processes:>7} "
              f"{row['wrote']:>5} {none:>10} {row['failed']:>6} {result['duplicates']:>5} "
              f"{result['orphans']:>7} {result['unmanaged_changed']:>9} {result['locks']:>5} "
              f"{'yes' if result['empty'] else 'NO':>10} {result['seconds']:>7.1f}s")
        for error, count in row["errors"].items():
            print(f"{'':10} {count} x {error}")
        totals[lock_timeout].update({key: row[key] for key in (
            "converged", "refused", "named_writer", "failed", "wrote")})
        totals[lock_timeout].update({key: result[key] for key in (
            "duplicates", "orphans", "unmanaged_changed", "locks")})
        totals[lock_timeout]["trials"] += 1
    return _race_summary(totals, options)


def _race_summary(totals: dict[int, Counter[str]], options: argparse.Namespace) -> bool:
    waiting, failing = totals[300], totals[0]
    print(f"\n{waiting['trials']} races of {options.processes} applies (--lock-timeout 300): "
          f"{waiting['converged']} converged, {waiting['wrote']} applies wrote, "
          f"{waiting['failed']} failed, {waiting['duplicates']} duplicates, "
          f"{waiting['orphans']} orphaned uploads, {waiting['unmanaged_changed']} unmanaged "
          f"objects changed, {waiting['locks']} lock objects left")
    if failing["trials"]:
        print(f"{failing['trials']} races with --lock-timeout 0: {failing['converged']} "
              f"converged, {failing['wrote']} applies wrote, {failing['failed']} failed "
              f"({failing['refused']} with exit 1 naming a holder, "
              f"{failing['named_writer']} of them the apply that wrote), "
              f"{failing['duplicates']} duplicates, {failing['orphans']} orphaned uploads, "
              f"{failing['unmanaged_changed']} unmanaged objects changed, "
              f"{failing['locks']} lock objects left")
    return all(_goal(t) and t["locks"] == 0 for t in totals.values())


# --- kill -9 ---------------------------------------------------------------------------


def _writes(emulator: EmulatorProcess) -> int:
    requests: dict[str, int] = emulator.stats()["requests"]
    return sum(n for route, n in requests.items() if route.split(" ")[0] in {"POST", "DELETE"})


def _kill_when(apply: Started, reached: Callable[[], bool], timeout: float = 60) -> bool:
    """SIGKILL `apply` once `reached()`; False if it ended first."""
    deadline = time.monotonic() + timeout
    while not reached():
        if apply.process.poll() is not None or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    if apply.process.poll() is not None:
        return False
    apply.process.send_signal(signal.SIGKILL)
    apply.process.wait()
    return True


def kill_point(emulator: EmulatorProcess, chance: random.Random, number: int
               ) -> tuple[str, Callable[[], bool]]:
    """Even trials: after a random number of writes; odd ones: after a random delay."""
    if number % 2 == 0:
        writes = chance.randint(1, KILL_WRITES)
        return f"{writes} writes", lambda: _writes(emulator) >= writes
    delay = chance.uniform(0.3, KILL_DELAY)
    deadline = time.monotonic() + delay
    return f"{delay:.1f} s", lambda: time.monotonic() >= deadline


def recover(root: Path, emulator: EmulatorProcess, pid: int) -> dict[str, Any]:
    """Break the dead apply's locks as a user would, then apply once."""
    shown = run(root, emulator, "lock", "status", "--format", "json")
    locks = json.loads(shown.stdout) if shown.code == 0 else []
    for found in locks:
        run(root, emulator, "force-unlock", found["id"], "--yes", "--force")
    applied = run(root, emulator, "apply", "--auto-approve")
    dead = sum(found["holder"].endswith(f" pid {pid}") for found in locks)
    return {"left": len(locks), "dead": dead, "status": shown.code, "apply": applied}


def kill(emulator: EmulatorProcess, chance: random.Random, number: int) -> dict[str, Any]:
    """One apply killed at a random point, then recovered; what was left and found."""
    emulator.reset()
    client = _client(emulator)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        untouched = project(root, client, pairs=PAIRS, pages=PAGES)
        emulator.call("DELETE", "/stats")
        emulator.faults(latency_ms=KILL_LATENCY_MS)
        point, reached = kill_point(emulator, chance, number)
        started = time.monotonic()
        apply = Started.of(root, emulator, "apply", "--auto-approve", log="killed")
        killed = _kill_when(apply, reached)
        at = f"{point} ({_writes(emulator)} writes, {time.monotonic() - started:.1f} s)"
        emulator.faults()
        recovering = time.monotonic()
        recovered = recover(root, emulator, apply.process.pid)
        recovery = time.monotonic() - recovering
        empty = reconciler(root, emulator, "plan", "--detailed-exitcode") == 0
        return {"killed": killed, "at": at, **recovered, "recovery": recovery,
                "converged": recovered["apply"].code == 0 and empty,
                **checks(client, untouched)}


def kills(emulator: EmulatorProcess, options: argparse.Namespace) -> bool:
    """`--kills` applies killed and recovered; whether the goal was met."""
    print("killed at: the kill point drawn (writes the emulator saw, seconds); lock left: lock "
          "objects `lock status` showed after the kill; locks: lock objects after recovery")
    print(f"{'kill':6} {'killed at':38} {'lock left':>9} {'converged':>9} {'dupes':>5} "
          f"{'orphans':>7} {'unmanaged':>9} {'locks':>5} {'recovery':>8}")
    chance = random.Random(options.seed)
    totals: Counter[str] = Counter()
    times: list[float] = []
    for number in range(options.kills):
        result = kill(emulator, chance, number)
        at = result["at"] if result["killed"] else result["at"].replace(" (", ": ended first (")
        print(f"{number + 1:<6} {at:38} {result['left']:>9} "
              f"{'yes' if result['converged'] else 'NO':>9} {result['duplicates']:>5} "
              f"{result['orphans']:>7} {result['unmanaged_changed']:>9} {result['locks']:>5} "
              f"{result['recovery']:>7.1f}s")
        if result["apply"].code != 0:
            print(f"{'':6} recovery apply: exit {result['apply'].code}: {result['apply'].error}")
        totals.update({key: int(result[key]) for key in (
            "killed", "converged", "duplicates", "orphans", "unmanaged_changed", "locks")})
        totals["left"] += result["left"] > 0
        totals["dead"] += result["dead"] > 0
        totals["trials"] += 1
        times.append(result["recovery"])
    print(f"\n{totals['trials']} applies killed with SIGKILL ({totals['killed']} before they "
          f"ended): a lock left behind in {totals['left']} (held by the dead pid in "
          f"{totals['dead']}), {totals['converged']} converged after force-unlock and one "
          f"apply, {totals['duplicates']} duplicates, {totals['orphans']} orphaned uploads, "
          f"{totals['unmanaged_changed']} unmanaged objects changed, {totals['locks']} lock "
          f"objects left; recovery {min(times):.1f}-{max(times):.1f} s "
          f"(mean {sum(times) / len(times):.1f} s)")
    return _goal(totals) and totals["locks"] == 0


# --- lock loss ------------------------------------------------------------------------

LOSS_PAIRS = 100
"""The lock-loss project: a store, the assistant using it, 100 assistants and 100 agents."""
LOSS_LATENCY_MS = 200
LOSS_SKEW = 200.0
"""Seconds the second apply's clock runs ahead in the skewed case (the ttl is 120 s)."""


def _held_lock(client: openai.OpenAI, emulator: EmulatorProcess, apply: Started,
               timeout: float = 120) -> str | None:
    """The id of the lock `apply` holds once it has written a few objects (None: it ended
    or took too long)."""
    deadline = time.monotonic() + timeout
    while apply.process.poll() is None and time.monotonic() < deadline:
        held = [found for found in lock.status(client, None) if found.held]
        if held and _writes(emulator) >= 12:
            return held[0].id
        time.sleep(0.05)
    return None


def loss(emulator: EmulatorProcess, case: str) -> dict[str, Any]:
    """One apply that loses its lock (`case`: force-unlock or skew) and a second apply."""
    emulator.reset()
    client = _client(emulator)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        untouched = project(root, client, pairs=LOSS_PAIRS, pages=PAGES, drift=False)
        emulator.call("DELETE", "/stats")
        emulator.faults(latency_ms=LOSS_LATENCY_MS)
        first = Started.of(root, emulator, "apply", "--auto-approve", log="first")
        held = _held_lock(client, emulator, first)
        if case == "force-unlock" and held is not None:
            run(root, emulator, "force-unlock", held, "--yes", "--force")
        second = Started.of(root, emulator, "apply", "--auto-approve", "--lock-timeout",
                            "300", log="second", skew=LOSS_SKEW if case == "skew" else 0.0)
        ended = [first.finish(timeout=600), second.finish(timeout=600)]
        emulator.faults()
        duplicated = duplicates(client)
        final = run(root, emulator, "apply", "--auto-approve")
        empty = reconciler(root, emulator, "plan", "--detailed-exitcode") == 0
        return {"held": held is not None, "first": ended[0], "second": ended[1],
                "lost": "lock was lost" in ended[0].stdout + ended[0].stderr,
                "waited": ended[1].waited, "converged": final.code == 0 and empty,
                **checks(client, untouched), "duplicates": duplicated}


def lock_loss(emulator: EmulatorProcess, options: argparse.Namespace) -> bool:
    """Both lock-loss cases; whether the goal was met."""
    print(f"an apply of {2 * LOSS_PAIRS + 2} objects ({LOSS_LATENCY_MS} ms a request) loses "
          "its lock, and a second apply starts; duplicates counted before a final apply")
    print(f"{'case':14} {'first':>6} {'lost':>5} {'second':>7} {'waited':>7} {'dupes':>6} "
          f"{'orphans':>7} {'unmanaged':>9} {'converged':>9}")
    totals: Counter[str] = Counter()
    for case in ("force-unlock", "skew"):
        result = loss(emulator, case)
        print(f"{case:14} {result['first'].code:>6} {'yes' if result['lost'] else 'no':>5} "
              f"{result['second'].code:>7} {'yes' if result['waited'] else 'no':>7} "
              f"{result['duplicates']:>6} {result['orphans']:>7} "
              f"{result['unmanaged_changed']:>9} {'yes' if result['converged'] else 'NO':>9}")
        if not result["held"]:
            print(f"{'':14} the first apply was never seen holding its lock")
        totals.update({key: int(result[key]) for key in (
            "converged", "duplicates", "orphans", "unmanaged_changed")})
        totals["trials"] += 1
    print(f"\n{totals['trials']} cases: {totals['duplicates']} duplicates, "
          f"{totals['converged']} converged")
    return _goal(totals)


SCENARIOS = {"faults": faults, "concurrency": concurrency, "kill": kills,
             "lock-loss": lock_loss}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=list(SCENARIOS), help="run one scenario")
    parser.add_argument("--trials", type=int, default=2, help="trials per fault kind")
    parser.add_argument("--rate", type=float, default=0.3, help="fault rate on reads and writes")
    parser.add_argument("--runs", type=int, default=5, help="races at --lock-timeout 300")
    parser.add_argument("--runs-no-wait", type=int, default=1, help="races at --lock-timeout 0")
    parser.add_argument("--processes", type=int, default=8, help="concurrent applies a race")
    parser.add_argument("--kills", type=int, default=20, help="applies killed with SIGKILL")
    parser.add_argument("--seed", type=int, default=12, help="seed of the kill points")
    options = parser.parse_args()
    chosen = [options.only] if options.only else list(SCENARIOS)
    met = True
    with tempfile.TemporaryDirectory() as folder:
        emulator = spawn(Path(folder), "--index-delay", "0.05")
        log = EmulatorLog(emulator)
        try:
            for number, name in enumerate(chosen):
                if number:
                    print()
                started, errors = time.monotonic(), log.errors
                met = SCENARIOS[name](emulator, options) and met
                print(f"({name}: {time.monotonic() - started:.0f} s; the emulator logged "
                      f"{log.errors - errors} internal errors)")
        finally:
            emulator.stop()
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
