"""Start an emulator as a child process and drive its admin API (for tests and benchmarks)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openai_emulator.server import READY_PREFIX


@dataclass
class EmulatorProcess:
    """A running `python -m openai_emulator` child process."""

    url: str
    process: subprocess.Popen[str]
    db: Path
    api_key: str | None = None
    """The key it was started with (`--api-key`), sent to the admin API."""

    @property
    def admin(self) -> str:
        return self.url.removesuffix("/v1") + "/admin"

    def call(self, method: str, path: str, body: Any = None) -> Any:
        """Call an admin endpoint (`/faults`, `/stats`, `/reset`, `/health`)."""
        data = None if body is None else json.dumps(body).encode()
        headers = {"content-type": "application/json"}
        if self.api_key is not None:
            headers["authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(self.admin + path, data=data, method=method,
                                         headers=headers)
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback
            return json.loads(answer.read())

    def faults(self, *rules: dict[str, Any], seed: int = 0, latency_ms: int = 0) -> None:
        """Replace the fault plan."""
        self.call("PUT", "/faults", {"seed": seed, "latency_ms": latency_ms,
                                     "rules": list(rules)})

    def stats(self) -> dict[str, Any]:
        """Requests by method and route, and faults injected, since the last reset."""
        result: dict[str, Any] = self.call("GET", "/stats")
        return result

    def reset(self) -> None:
        """Forget every object, file, fault and counter."""
        self.call("POST", "/reset")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def spawn(folder: Path, *args: str, timeout: float = 30.0) -> EmulatorProcess:
    """Start `python -m openai_emulator --port 0` with its state in `folder`; wait for it."""
    db = folder / "emulator.sqlite"
    process = subprocess.Popen(
        [sys.executable, "-m", "openai_emulator", "--port", "0", "--db", str(db), *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    line = ""
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.startswith(READY_PREFIX):
            key = args[args.index("--api-key") + 1] if "--api-key" in args else None
            running = EmulatorProcess(line[len(READY_PREFIX):].split(" ")[0], process, db, key)
            # read its log for ever: a pipe nobody reads fills up (64 KiB) and blocks the
            # emulator in its next log line, and every client with it
            threading.Thread(target=_drain, args=(process.stdout,), daemon=True).start()
            _wait_healthy(running, deadline)
            return running
        if not line and process.poll() is not None:
            break
    process.kill()
    raise RuntimeError(f"the emulator did not start: {line.strip()}")


def _drain(stream: Any) -> None:
    for _ in stream:
        pass


def _wait_healthy(running: EmulatorProcess, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            running.call("GET", "/health")
            return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError("the emulator does not answer")
