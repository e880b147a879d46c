"""`reconciler ui`: serve the read-only dashboard on this machine (`reconciler.dashboard`)."""

from __future__ import annotations

import html
import socket
import webbrowser
from typing import TYPE_CHECKING

import click

from reconciler.commands.connecting import check_endpoint_flags, connection_options
from reconciler.commands.context import AppContext
from reconciler.commands.types import FiniteFloat
from reconciler.console import echo
from reconciler.errors import ReconcilerError

if TYPE_CHECKING:
    from reconciler.dashboard.workspace import Options

HOST = "127.0.0.1"
"""The only address the dashboard listens on: it is for the person at this machine."""


@click.command()
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
              callback=lambda _c, _p, value: _port(value),
              help="Port, 1024 or above; 0 picks a free one (the URL printed says which).")
@click.option("--no-open", is_flag=True, help="Print the URL; do not open a browser.")
@click.option("--retry-timeout", type=FiniteFloat(0), default=10.0, show_default=True,
              help="Seconds during which failed reads (429, 5xx, dropped) are retried.")
@connection_options
@click.pass_obj
def ui(app: AppContext, port: int, no_open: bool, retry_timeout: float,
       base_url: str | None, organization: str | None, project: str | None,
       emulator: bool) -> None:
    """Serve a read-only web dashboard on this machine.

    Sync status and the plan per environment, resources with their diffs, the model
    catalog, usage charts, and an import of unmanaged objects. It listens on a loopback
    address only (127.x.y.z of its own where the system allows, else 127.0.0.1), behind
    a random token in the URL it prints (then a cookie), and never applies anything: git
    stays the only way to change the live account. The Import page writes
    manifest files for unmanaged objects (as `reconciler import` does) for you to commit.
    With environments in reconciler.yaml, a switcher shows each (default: --env). Ctrl-C
    stops it.

    \b
    Examples:
      reconciler ui
      reconciler ui --env prod --port 8790 --no-open
      reconciler ui --emulator
    """
    check_endpoint_flags(base_url, emulator)
    try:
        import uvicorn

        from reconciler.dashboard.app import create_app
    except ImportError as exc:
        raise ReconcilerError(f"the dashboard needs {exc.name}, which is not installed",
                              hint="pip install 'assistants-reconciler[ui]'") from exc
    from reconciler.dashboard.security import Guard, new_token
    from reconciler.dashboard.workspace import Options, Workspace

    options = Options(config=app.config, environment=app.env, base_url=base_url,
                      organization=organization, project=project, emulator=emulator,
                      retry_timeout=retry_timeout)
    workspace = Workspace(options)
    chosen = workspace.choose(app.env)  # an unknown --env is an error now, not on a page
    if app.env and chosen is None:
        app.settings()  # raises: reconciler.yaml declares no environments
    sock = _listen(port)
    host, bound = sock.getsockname()[:2]
    guard = Guard(new_token(), bound, host)
    _announce(options, chosen)
    url = guard.url()
    echo(f"reconciler ui: serving the dashboard at {url}")
    echo("  (read-only; the link holds this run's token: keep it to yourself; Ctrl-C stops)")
    if not no_open:
        _open(url)
    config = uvicorn.Config(create_app(options, guard, workspace=workspace),
                            log_level="warning", access_log=False, lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])


def _port(value: int) -> int:
    if 0 < value < 1024:
        raise click.BadParameter(f"{value} is a privileged port, and a browser leaves 80 out "
                                 "of the Host header the dashboard checks: choose 1024 or "
                                 "above, or 0 for a free one")
    return value


def _open(url: str) -> None:
    """Open the browser on a private file that forwards to `url`, as Jupyter does: the
    browser's command line, which every user of the machine can read, then never holds the
    token. The file (mode 0600) is removed once the browser has had time to read it."""
    import tempfile
    import threading
    from pathlib import Path

    descriptor, name = tempfile.mkstemp(prefix="reconciler-ui-", suffix=".html")
    with open(descriptor, "w", encoding="utf-8") as page:
        page.write(REDIRECT.format(url=html.escape(url, quote=True)))
    webbrowser.open(Path(name).as_uri())
    cleanup = threading.Timer(60, lambda: Path(name).unlink(missing_ok=True))
    cleanup.daemon = True
    cleanup.start()


REDIRECT = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="0; url={url}"><title>reconciler ui</title></head>
<body><p><a href="{url}">Open the dashboard</a></p></body></html>
"""


def _listen(port: int) -> socket.socket:
    """A socket bound to a loopback address of its own, `port` (0: a free port).

    Browsers send a cookie to every port of a host, so on 127.0.0.1 any other local server
    a browser visits would receive the dashboard's cookie. Where the system routes all of
    127.0.0.0/8 to this machine (Linux), the dashboard takes a random address there, whose
    cookies no other server sees; elsewhere (macOS), 127.0.0.1."""
    for host in (_random_loopback(), HOST):
        sock = socket.socket(socket.AF_INET)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            sock.close()
            if host != HOST:
                continue
            raise ReconcilerError(f"cannot listen on {HOST}:{port}: {exc.strerror}",
                                  hint="choose another --port, or --port 0 for a free "
                                       "one") from exc
        sock.listen(128)  # the link works as soon as it is printed: connections wait
        return sock
    raise AssertionError("unreachable")


def _random_loopback() -> str:
    import secrets

    return "127." + ".".join(str(secrets.randbelow(254) + 1) for _ in range(3))


def _announce(options: Options, environment: str | None) -> None:
    """Say where the first page's requests go, as every command does (never the key)."""
    from reconciler.dashboard.workspace import connect
    from reconciler.settings import load_settings

    try:
        settings = load_settings(options.config).for_environment(environment)
        echo(connect(options, settings).announce(), err=True)
    except ReconcilerError as exc:  # shown on the page too; the server still starts
        echo(f"warning: {exc.message}", err=True)
