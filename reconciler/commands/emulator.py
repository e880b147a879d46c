"""`reconciler emulator ...`: run the local OpenAI API emulator.

The one place the reconciler starts the emulator; the emulator's own errors become the
reconciler's user errors here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from reconciler.console import echo
from reconciler.emulator import EmulatorError, server
from reconciler.errors import ReconcilerError


class EmulatorGroup(click.Group):
    """Runs each command, turning the emulator's errors into user errors (exit 1)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except EmulatorError as exc:
            raise ReconcilerError(exc.message, hint=exc.hint) from exc

DEFAULT_DB = server.DEFAULT_DIR / "emulator.sqlite"


@click.group(cls=EmulatorGroup)
def emulator() -> None:
    """A local emulator of the OpenAI API (models, assistants, agents, files, vector stores).

    The official `openai` SDK talks to it over HTTP exactly as it talks to OpenAI; state is
    kept in SQLite, so it survives restarts and several runs can share it. Point the
    reconciler (or any SDK) at it with OPENAI_BASE_URL and any non-empty OPENAI_API_KEY.

    \b
    Examples:
      reconciler emulator serve --port 8765
      reconciler emulator start && export OPENAI_BASE_URL=$(reconciler emulator url)
      reconciler emulator stop
    """


DB_OPTION = click.option("--db", type=click.Path(dir_okay=False, path_type=Path),
                         default=DEFAULT_DB, show_default=True,
                         help="SQLite file holding the state.")


@emulator.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="Port; 0 picks a free one (the URL printed says which).")
@DB_OPTION
@click.option("--models", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSON list of model objects to serve instead of the built-in list.")
@click.option("--faults", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSON fault plan to start with (see README, 'Fault injection').")
@click.option("--index-delay", type=click.FloatRange(0), default=0.5, show_default=True,
              help="Seconds a vector store file stays in_progress before it is indexed.")
@click.option("--api-key", envvar="RECONCILER_EMULATOR_API_KEY",
              help="Accept only this bearer key (default: any non-empty key).")
@click.option("--max-upload-bytes", type=click.IntRange(1), default=512 * 1024 * 1024,
              show_default=True, help="Largest file upload accepted (413 above it).")
@click.option("--retire", multiple=True, type=click.Choice(["assistants", "agents"]),
              help="Answer this API with 410 Gone, as OpenAI does after a sunset (repeatable).")
def serve(host: str, port: int, db: Path, models: Path | None, faults: Path | None,
          index_delay: float, api_key: str | None, max_upload_bytes: int,
          retire: tuple[str, ...]) -> None:
    """Serve in the foreground and print the base URL; Ctrl-C stops it."""
    if host not in ("127.0.0.1", "localhost", "::1"):
        echo(f"warning: listening on {host}: the emulator has no real authentication",
             err=True)
    server.serve(host=host, port=port, db=db, models=models, faults=faults,
                 index_delay=index_delay, api_key=api_key, max_upload_bytes=max_upload_bytes,
                 retired=frozenset(retire))


@emulator.command()
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True)
@DB_OPTION
@click.option("--index-delay", type=click.FloatRange(0), default=0.5, show_default=True)
def start(port: int, db: Path, index_delay: float) -> None:
    """Start in the background (recorded in .reconciler/emulator.json) and print its URL."""
    record = server.start(folder=server.DEFAULT_DIR, port=port, db=db, index_delay=index_delay)
    echo(f"emulator running at {record.url} (pid {record.pid}, state {record.db})")
    echo(f"  export OPENAI_BASE_URL={record.url} OPENAI_API_KEY=emulator")


@emulator.command()
def stop() -> None:
    """Stop the background emulator."""
    record = server.stop()
    echo(f"stopped the emulator at {record.url}" if record else "no emulator running")


@emulator.command()
def status() -> None:
    """Say whether a background emulator runs, and where."""
    record = server.running()
    if record is None:
        raise ReconcilerError("no emulator running", hint="reconciler emulator start")
    echo(f"running at {record.url} (pid {record.pid}, state {record.db})")


@emulator.command()
def url() -> None:
    """Print the base URL of the background emulator (for scripts)."""
    record = server.running()
    if record is None:
        raise ReconcilerError("no emulator running", hint="reconciler emulator start")
    echo(record.url)
