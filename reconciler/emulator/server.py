"""Run the emulator: `serve` in the foreground, or `start`/`stop` it in the background.

`serve` binds the socket itself so that `--port 0` can print the port it got, then hands the
socket to uvicorn. `start` runs `serve` as a detached process, waits until it answers, and
records its pid and URL in `.reconciler/emulator.json` of the project root (`state_folder`)
for `stop`, `status`, `url` and the reconciler's `--emulator`, from any subfolder.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reconciler.emulator import EmulatorError

if TYPE_CHECKING:
    from reconciler.emulator.faults import FaultPlan

DEFAULT_DIR = Path(".reconciler")
"""The emulator's folder (record, log, default state), relative to the project root."""
PROJECT_FILE = "reconciler.yaml"
READY_PREFIX = "reconciler emulator: serving the OpenAI API at "


@dataclass
class Running:
    """What `start` records about a background emulator."""

    pid: int
    url: str
    db: str
    log: str


def serve(*, host: str, port: int, db: Path, models: Path | None, faults: Path | None,
          index_delay: float, api_key: str | None,
          max_upload_bytes: int = 512 * 1024 * 1024,
          retired: frozenset[str] = frozenset(), today: dt.date | None = None) -> None:
    """Serve in the foreground until interrupted."""
    try:
        import uvicorn

        from reconciler.emulator.app import build_app
    except ImportError as exc:
        raise EmulatorError(f"the emulator needs {exc.name}, which is not installed",
                            hint="pip install 'assistants-reconciler[emulator]'") from exc
    from reconciler.emulator.faults import FaultInjector, FaultPlan
    from reconciler.emulator.state import Settings, State

    plan = _fault_plan(faults) if faults else FaultPlan()
    seed_models = _models(models) if models else None
    try:
        state = State.open(db, models=seed_models,
                           settings=Settings(index_delay=index_delay, api_key=api_key,
                                             max_upload_bytes=max_upload_bytes,
                                             retired=retired, today=today,
                                             loopback_only=is_loopback(host)))
    except (sqlite3.Error, OSError) as exc:
        raise EmulatorError(f"cannot use {db} as the emulator's state: {exc}",
                              hint="give --db a new file name, or an emulator's SQLite "
                                   "file") from exc
    app = build_app(state, FaultInjector(plan))
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit this: without it, a response written in two parts waits
    # for the client's delayed ACK (about 40 ms per request on a kept-alive connection).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        raise EmulatorError(f"cannot listen on {host}:{port}: {exc.strerror}",
                              hint="choose another --port, or --port 0 for a free one") from exc
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    print(f"{READY_PREFIX}http://{shown}:{bound}/v1 (state: {db})", flush=True)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                            timeout_keep_alive=30, backlog=2048)
    uvicorn.Server(config).run(sockets=[sock])


def is_loopback(host: str) -> bool:
    """Whether a host name or address is this machine's loopback."""
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _fault_plan(path: Path) -> FaultPlan:
    from pydantic import ValidationError

    from reconciler.emulator.faults import FaultPlan

    try:
        return FaultPlan.model_validate(_read_json(path))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the plan"
        raise EmulatorError(f"{path} is not a valid fault plan: {where}: {first['msg']}",
                              hint="see the README, 'Fault injection'") from exc


def _read_json(path: Path) -> Any:
    """The JSON in `path`, read as a request body is (no NaN, lone surrogates, deep nesting):
    what the emulator would serve from it must be encodable."""
    from reconciler.emulator import jsontext

    try:
        return jsontext.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise EmulatorError(f"cannot read {path}: {exc}") from exc


def _models(path: Path) -> list[dict[str, Any]]:
    """The seed models in `path`: a list of objects, each with a string `id`."""
    models = _read_json(path)
    if not isinstance(models, list) or not all(
            isinstance(m, dict) and isinstance(m.get("id"), str) for m in models):
        raise EmulatorError(f"{path} is not a list of models: each must be an object with a "
                            'string "id"', hint='e.g. [{"id": "gpt-4o", "object": "model", '
                                               '"created": 0, "owned_by": "system"}]')
    return models


def project_root(start: Path) -> Path:
    """The folder of the nearest reconciler.yaml in `start` or its parents, else `start`."""
    # The reconciler's settings.find_config searches the same way. The emulator repeats these
    # lines because it imports nothing from the reconciler (a fake of OpenAI must not agree
    # with it by construction), and so that `emulator url` in a script does not load the
    # manifest models.
    for folder in (start, *start.parents):
        if (folder / PROJECT_FILE).is_file():
            return folder
    return start


def state_folder(root: Path) -> Path:
    """Where `start` records the emulator of the project at `root`."""
    return root / DEFAULT_DIR


def record_path(folder: Path) -> Path:
    return folder / "emulator.json"


def running(folder: Path) -> Running | None:
    """Return the background emulator if its process is alive.

    The record sits in the working tree, where a pull request could commit one: it is
    believed only if it is well formed, names a loopback URL, and its pid is a running
    `emulator serve` (so `stop` never signals another process, and no command is sent to a
    URL a file chose).
    """
    path = record_path(folder)
    if path.is_symlink() or not path.is_file():
        return None
    try:
        record = Running(**json.loads(path.read_text(encoding="utf-8")))
        loopback = is_loopback(urllib.parse.urlsplit(record.url).hostname or "")
    except (OSError, ValueError, TypeError):
        return None
    if not (loopback and isinstance(record.pid, int) and record.pid > 1
            and _is_emulator(record.pid)):
        return None
    return record


def _is_emulator(pid: int) -> bool:
    """Whether `pid` is a running `reconciler emulator serve` (by its command line)."""
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    cmdline = Path(f"/proc/{pid}/cmdline")
    if not cmdline.parent.is_dir():  # no /proc (macOS): alive is what can be known
        return True
    try:
        words = cmdline.read_bytes().split(b"\0")
    except OSError:
        return False
    return b"emulator" in words and b"serve" in words


def start(*, folder: Path, port: int, db: Path, index_delay: float,
          timeout: float = 30.0, today: dt.date | None = None) -> Running:
    """Start `serve` detached (judging model shutdowns by `today`, None: the real day), wait
    for it to answer, record it."""
    existing = running(folder)
    if existing is not None:
        return existing
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "emulator.log"
    command = [sys.executable, "-m", "reconciler", "emulator", "serve", "--port", str(port),
               "--db", str(db), "--index-delay", str(index_delay)]
    if today is not None:
        command += ["--today", today.isoformat()]
    with log.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    url = _wait_for_url(log, process, timeout)
    record = Running(pid=process.pid, url=url, db=str(db), log=str(log))
    record_path(folder).write_text(json.dumps(asdict(record), indent=2) + "\n")
    return record


def _wait_for_url(log: Path, process: subprocess.Popen[bytes], timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in log.read_text().splitlines():
            if line.startswith(READY_PREFIX):
                url = line[len(READY_PREFIX):].split(" ")[0]
                if _healthy(url):
                    return url
        if process.poll() is not None:
            raise EmulatorError(f"the emulator exited at start:\n{log.read_text().strip()}")
        time.sleep(0.05)
    process.kill()
    raise EmulatorError(f"the emulator did not answer within {timeout:g}s (log: {log})")


def admin_call(url: str, method: str, path: str, body: Any = None, *,
               api_key: str | None = None, timeout: float = 10.0) -> Any:
    """Call the admin API (`/faults`, `/stats`, `/reset`, `/seed/sessions`, ...) of the
    emulator whose `/v1` base URL is `url`, with its key when it was started with one."""
    data = None if body is None else json.dumps(body).encode()
    headers = {"content-type": "application/json"}
    if api_key is not None:
        headers["authorization"] = f"Bearer {api_key}"
    request = urllib.request.Request(url.removesuffix("/v1") + "/admin" + path, data=data,
                                     method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 - loopback
        return json.loads(answer.read())


def request_seed(url: str, body: dict[str, Any], *, api_key: str | None = None,
                 timeout: float = 300.0) -> dict[str, Any]:
    """Ask the emulator at `url` (its `/v1` base URL) to seed sessions; return what
    `seed.Seeded` says."""
    try:
        seeded: dict[str, Any] = admin_call(url, "POST", "/seed/sessions", body,
                                            api_key=api_key or None, timeout=timeout)
        return seeded
    except urllib.error.HTTPError as exc:
        raise EmulatorError(f"the emulator refused to seed sessions: {_message(exc)}") from exc
    except OSError as exc:
        raise EmulatorError(f"cannot reach the emulator at {url}: {exc}",
                            hint="reconciler emulator status") from exc


def _message(exc: urllib.error.HTTPError) -> str:
    try:
        return str(json.loads(exc.read())["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return f"HTTP {exc.code}"


def _healthy(url: str) -> bool:
    health = url.removesuffix("/v1") + "/admin/health"
    try:
        with urllib.request.urlopen(health, timeout=1) as response:  # noqa: S310 - loopback
            return bool(response.status == 200)
    except OSError:
        return False


def stop(folder: Path) -> Running | None:
    """Stop the background emulator; return what was stopped, if anything."""
    record = running(folder)
    record_path(folder).unlink(missing_ok=True)
    if record is None:
        return None
    os.kill(record.pid, signal.SIGTERM)
    for _ in range(100):
        if not _is_emulator(record.pid):  # exited (a zombie, when we started it, counts)
            break
        time.sleep(0.05)
    return record
