"""The project's local emulator, run in the background: `start`, `stop`, find it (`running`),
and call its admin API.

`start` runs `python -m openai_emulator` as a detached process, waits until it answers, and
records its pid and URL in `.reconciler/emulator.json` of the project root
(`state_folder`) for `stop`, `status`, `url` and `--emulator`, from any subfolder. This
module talks to the emulator only as a process and over HTTP: it imports nothing of it
(the emulator is a separate package; only `reconciler emulator serve` and the tests import
it).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from reconciler.errors import ReconcilerError
from reconciler.loopback import is_loopback

DEFAULT_DIR = Path(".reconciler")
"""The emulator's folder (record, log, default state), relative to the project root."""
PROJECT_FILE = "reconciler.yaml"
READY_PREFIX = "openai_emulator: serving the OpenAI API at "
"""The line the emulator prints once it listens (`openai_emulator.server.READY_PREFIX`)."""


class EmulatorError(ReconcilerError):
    """The background emulator could not be started, reached or stopped."""


@dataclass
class Running:
    """What `start` records about a background emulator."""

    pid: int
    url: str
    db: str
    log: str


def project_root(start: Path) -> Path:
    """The folder of the nearest reconciler.yaml in `start` or its parents, else `start`."""
    # settings.find_config searches the same way; these lines repeat it so that `emulator
    # url` in a script does not load the manifest models.
    for folder in (start, *start.parents):
        if (folder / PROJECT_FILE).is_file():
            return folder
    return start


def state_folder(root: Path) -> Path:
    """Where `start` records the emulator of the project at `root`."""
    return root / DEFAULT_DIR


def project_emulator(root: Path) -> Path:
    """The folder holding the project's running emulator: `.reconciler` in the project root,
    or the root itself when it was started there (`emulator start --dir .` in a folder
    without reconciler.yaml); `.reconciler` when neither runs one. Any other `--dir` keeps
    an emulator apart, found only by naming it."""
    default = state_folder(root)
    if running(default) is None and running(root) is not None:
        return root
    return default


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
    """Whether `pid` is a running emulator (`python -m openai_emulator`, or `reconciler
    emulator serve`), by its command line."""
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
    return b"openai_emulator" in words or (b"emulator" in words and b"serve" in words)


def start(*, folder: Path, port: int, db: Path, index_delay: float,
          timeout: float = 30.0, today: dt.date | None = None) -> Running:
    """Start `serve` detached (judging model shutdowns by `today`, None: the real day), wait
    for it to answer, record it."""
    existing = running(folder)
    if existing is not None:
        return existing
    # a pull request can commit any of them as a link to elsewhere
    for path in (folder, db, folder / "emulator.log", record_path(folder)):
        if path.is_symlink():
            raise EmulatorError(f"{path} is a symbolic link: the emulator writes there, so "
                                "it must be a real folder or file; nothing was started",
                                hint="remove the link, or choose another --dir or --db")
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "emulator.log"
    command = [sys.executable, "-m", "openai_emulator", "--port", str(port),
               "--db", str(db), "--index-delay", str(index_delay)]
    if today is not None:
        command += ["--today", today.isoformat()]
    with _created(log) as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    url = _wait_for_url(log, process, timeout)
    record = Running(pid=process.pid, url=url, db=str(db), log=str(log))
    with _created(record_path(folder)) as out:
        out.write((json.dumps(asdict(record), indent=2) + "\n").encode())
    return record


def _created(path: Path) -> Any:
    """`path` opened for writing (emptied), never through a symbolic link in its place."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW,
                             0o644)
    except OSError as exc:
        raise EmulatorError(f"cannot write {path}: {exc.strerror or exc} (a symbolic link "
                            "is never written through); nothing was started") from exc
    return os.fdopen(descriptor, "wb")


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
