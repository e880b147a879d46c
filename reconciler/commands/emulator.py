"""`reconciler emulator ...`: run the local OpenAI API emulator.

The one place the reconciler starts the emulator; the emulator's own errors become the
reconciler's user errors here. A background emulator belongs to a project: it is recorded in
`.reconciler/` of the project root (the folder of `--config` or of the nearest
`reconciler.yaml`, else the working directory), where `--emulator` and every command run from
any subfolder find it; `--dir` keeps one apart (`make demo`'s).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import click

from reconciler import clock
from reconciler import localemulator as server
from reconciler.commands.context import AppContext
from reconciler.commands.types import FiniteFloat
from reconciler.console import echo
from reconciler.errors import ReconcilerError

DB_NAME = "emulator.sqlite"


@click.group()
def emulator() -> None:
    """A local emulator of the OpenAI API (models, assistants, agents, files, vector stores).

    The official `openai` SDK talks to it over HTTP exactly as it talks to OpenAI; state is
    kept in SQLite, so it survives restarts and several runs can share it. `start` runs
    one in the background for the project (the folder of reconciler.yaml): `--emulator` (or
    `connection: {emulator: true}` in reconciler.yaml) then talks to it and nothing else.
    Point any SDK at it with OPENAI_BASE_URL and any non-empty OPENAI_API_KEY.

    \b
    Examples:
      reconciler emulator start && reconciler plan --emulator
      reconciler emulator serve --port 8765
      export OPENAI_BASE_URL=$(reconciler emulator url) OPENAI_API_KEY=emulator
      reconciler emulator stop
    """


DB_OPTION = click.option("--db", type=click.Path(dir_okay=False, path_type=Path),
                         help=f"SQLite file holding the state [default: .reconciler/{DB_NAME} "
                              "in the project root; for start, in --dir when given].")
TODAY_OPTION = click.option(
    "--today", type=click.DateTime(["%Y-%m-%d"]), metavar="YYYY-MM-DD",
    envvar=clock.VARIABLE, show_envvar=True,
    help="The day it judges model shutdowns by (default: today): a model whose shutdown_date "
         "has come is no longer listed nor accepted.")
DIR_OPTION = click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path),
                          help="The emulator's folder: its record, log and default --db "
                               "[default: .reconciler in the project root, the folder of "
                               "reconciler.yaml]. Another folder keeps an emulator apart from "
                               "the project's.")


def emulator_folder(folder: Path | None = None) -> Path:
    """`folder` (--dir), else `.reconciler` in the project root, as connections look for it."""
    if folder is not None:
        return folder
    app = click.get_current_context().find_object(AppContext)
    config = app.config if app is not None else None
    return server.project_emulator(config.parent if config else
                                   server.project_root(Path.cwd()))


def shown(path: str | Path) -> str:
    """`path` relative to the working directory when it is inside it, for messages."""
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@emulator.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="Port; 0 picks a free one (the URL printed says which).")
@DB_OPTION
@click.option("--models", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSON list of model objects to serve instead of the built-in list.")
@click.option("--faults", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSON fault plan to start with (see docs/emulator.md, 'Fault injection').")
@click.option("--index-delay", type=FiniteFloat(0), default=0.5, show_default=True,
              help="Seconds a vector store file stays in_progress before it is indexed.")
@click.option("--api-key", envvar="RECONCILER_EMULATOR_API_KEY",
              help="Accept only this bearer key (default: any non-empty key).")
@click.option("--max-upload-bytes", type=click.IntRange(1), default=512 * 1024 * 1024,
              show_default=True, help="Largest file upload accepted (413 above it).")
@click.option("--retire", multiple=True, type=click.Choice(["assistants", "agents"]),
              help="Answer this API with 410 Gone, as OpenAI does after a sunset (repeatable).")
@TODAY_OPTION
def serve(host: str, port: int, db: Path | None, models: Path | None, faults: Path | None,
          index_delay: float, api_key: str | None, max_upload_bytes: int,
          retire: tuple[str, ...], today: dt.datetime | None) -> None:
    """Serve in the foreground and print the base URL; Ctrl-C stops it."""
    if host not in ("127.0.0.1", "localhost", "::1"):
        echo(f"warning: listening on {host}: the emulator has no real authentication",
             err=True)
    from openai_emulator import EmulatorError
    from openai_emulator.server import serve as serve_api

    db = db or emulator_folder() / DB_NAME
    try:
        serve_api(host=host, port=port, db=db, models=models, faults=faults,
                  index_delay=index_delay, api_key=api_key,
                  max_upload_bytes=max_upload_bytes, retired=frozenset(retire),
                  today=today.date() if today else None)
    except EmulatorError as exc:
        raise ReconcilerError(exc.message, hint=exc.hint) from exc


@emulator.command()
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True)
@DB_OPTION
@click.option("--index-delay", type=FiniteFloat(0), default=0.5, show_default=True)
@TODAY_OPTION
@DIR_OPTION
def start(port: int, db: Path | None, index_delay: float, today: dt.datetime | None,
          folder: Path | None) -> None:
    """Start in the background for this project (recorded in .reconciler/emulator.json of
    the project root) and print its URL."""
    where = emulator_folder(folder)
    record = server.start(folder=where, port=port, db=db or where / DB_NAME,
                          index_delay=index_delay, today=today.date() if today else None)
    echo(f"emulator running at {record.url} (pid {record.pid}, state {shown(record.db)})")
    echo(f"  export OPENAI_BASE_URL={record.url} OPENAI_API_KEY=emulator")


@emulator.command()
@DIR_OPTION
def stop(folder: Path | None) -> None:
    """Stop the project's background emulator."""
    record = server.stop(emulator_folder(folder))
    echo(f"stopped the emulator at {record.url}" if record else "no emulator running")


@emulator.command()
@DIR_OPTION
def status(folder: Path | None) -> None:
    """Say whether the project's background emulator runs, and where."""
    record = _running(folder)
    echo(f"running at {record.url} (pid {record.pid}, state {shown(record.db)})")


@emulator.command()
@DIR_OPTION
def url(folder: Path | None) -> None:
    """Print the base URL of the project's background emulator (for scripts)."""
    echo(_running(folder).url)


@emulator.command("seed-usage")
@click.option("--days", type=click.IntRange(1, 366), default=30, show_default=True,
              help="How many days of activity, up to now.")
@click.option("--per-day", type=click.IntRange(1, 100_000), default=100, show_default=True,
              help="Sessions per day, over all the agents.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="The same seed makes the same sessions (seeding again with it adds none).")
@click.option("--failure-share", type=FiniteFloat(0, 1), default=0.05, show_default=True,
              help="The share of sessions that fail.")
@click.option("--agent", "agent_ids", multiple=True, metavar="ID",
              help="Seed this agent's sessions (repeatable) [default: every agent in the "
                   "emulator].")
@DIR_OPTION
def seed_usage(days: int, per_day: int, seed: int, failure_share: float,
               agent_ids: tuple[str, ...], folder: Path | None) -> None:
    """Fill the running emulator with agent sessions, for `reconciler usage` and dashboards.

    \b
    Examples:
      reconciler emulator seed-usage                     # 30 days, 100 sessions a day
      reconciler emulator seed-usage --per-day 2000 --seed 7 --agent agent_abc
    """
    from reconciler.localemulator import request_seed

    record = _running(folder)
    body: dict[str, Any] = {"days": days, "per_day": per_day, "seed": seed,
                            "failure_share": failure_share}
    if agent_ids:
        body["agent_ids"] = list(agent_ids)
    seeded = request_seed(record.url, body,
                          api_key=os.environ.get("RECONCILER_EMULATOR_API_KEY"))
    skipped = (f"; {seeded['skipped']:,} already there (same --seed)"
               if seeded["skipped"] else "")
    agents = f"{seeded['agents']} agent" + ("s" if seeded["agents"] != 1 else "")
    echo(f"seeded {seeded['created']:,} sessions ({seeded['failed']:,} failed) for {agents} "
         f"over {days} days at {record.url}{skipped}")


def _running(folder: Path | None) -> server.Running:
    record = server.running(emulator_folder(folder))
    if record is None:
        start = "reconciler emulator start" + (f" --dir {folder}" if folder else "")
        raise ReconcilerError("no emulator running", hint=start)
    return record
