"""Serve the emulator in the foreground (`python -m openai_emulator`, or `reconciler emulator
serve`).

`serve` binds the socket itself so that `--port 0` can print the port it got (the line
starting with `READY_PREFIX`, which whoever started it waits for), then hands the socket to
uvicorn. It is where the emulator is put together: the state, the fault plan and the app
(`infra.app`) serving what the resource modules export (`routes.api()`), so it sits above the
registry, and the infrastructure below never imports a resource.
"""

from __future__ import annotations

import datetime as dt
import errno
import socket
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openai_emulator import EmulatorError
from openai_emulator.infra.loopback import is_loopback

if TYPE_CHECKING:
    from openai_emulator.infra.faults import FaultPlan

READY_PREFIX = "openai_emulator: serving the OpenAI API at "


def serve(*, host: str, port: int, db: Path, models: Path | None, faults: Path | None,
          index_delay: float, api_key: str | None,
          max_upload_bytes: int = 512 * 1024 * 1024,
          retired: frozenset[str] = frozenset(), today: dt.date | None = None) -> None:
    """Serve in the foreground until interrupted."""
    try:
        import uvicorn

        from openai_emulator import routes
        from openai_emulator.infra.app import build_app
    except ImportError as exc:
        raise EmulatorError(f"the emulator needs {exc.name}, which is not installed",
                            hint="pip install 'assistants-reconciler[emulator]'") from exc
    from openai_emulator.infra.faults import FaultInjector, FaultPlan
    from openai_emulator.infra.state import Settings, State

    plan = _fault_plan(faults) if faults else FaultPlan()
    seed_models = _models(models) if models else None
    sock = _bound(host, port)  # before the state is made: a failed bind leaves no file
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
    app = build_app(state, routes.api(), FaultInjector(plan))
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    print(f"{READY_PREFIX}http://{shown}:{bound}/v1 (state: {db})", flush=True)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                            timeout_keep_alive=30, backlog=2048)
    uvicorn.Server(config).run(sockets=[sock])


def _bound(host: str, port: int) -> socket.socket:
    """A socket bound to `host`:`port`, or an error that names which of the two is wrong."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        socket.getaddrinfo(host, port, family, socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        reason = exc.strerror if isinstance(exc, socket.gaierror) else "not a host name"
        raise EmulatorError(f"cannot listen on {host}:{port}: --host {host!r} is no address "
                            f"of this machine ({reason})",
                            hint="give --host an address or name of this machine, e.g. "
                                 "127.0.0.1 (the default) or ::1") from exc
    sock = socket.socket(family)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit this: without it, a response written in two parts waits
    # for the client's delayed ACK (about 40 ms per request on a kept-alive connection).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            hint = "choose another --port, or --port 0 for a free one"
        elif exc.errno == errno.EACCES:
            hint = "ports below 1024 need privileges: choose --port 1024 or above, or 0"
        else:
            hint = "give --host an address of this machine, e.g. 127.0.0.1 (the default)"
        raise EmulatorError(f"cannot listen on {host}:{port}: {exc.strerror}",
                            hint=hint) from exc
    return sock


def _fault_plan(path: Path) -> FaultPlan:
    from pydantic import ValidationError

    from openai_emulator.infra.faults import FaultPlan

    try:
        return FaultPlan.model_validate(_read_json(path))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the plan"
        raise EmulatorError(f"{path} is not a valid fault plan: {where}: {first['msg']}",
                              hint="see docs/emulator.md, 'Fault injection'") from exc


def _read_json(path: Path) -> Any:
    """The JSON in `path`, read as a request body is (no NaN, lone surrogates, deep nesting):
    what the emulator would serve from it must be encodable."""
    from openai_emulator.infra import jsontext

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
