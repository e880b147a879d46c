"""Options and set-up shared by every command that talks to an API: --base-url, --emulator,
--organization, --project, and the announced connection."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from reconciler.commands.context import AppContext
from reconciler.commands.types import FiniteFloat
from reconciler.connection import Connection
from reconciler.console import echo
from reconciler.settings import SCOPE_VARIABLE, check_pinned_scope, connection_of

F = TypeVar("F", bound=Callable[..., Any])

def connection_options(function: F) -> F:
    """--base-url, --emulator, --organization, --project: override reconciler.yaml and the
    environment."""
    for option in reversed([
        click.option("--base-url", help="API base URL, used as given (default: "
                                        "connection.base_url in reconciler.yaml, else "
                                        "OPENAI_BASE_URL; without one, OpenAI when a key is "
                                        "set, the project's running emulator when nothing "
                                        "is)."),
        click.option("--emulator", is_flag=True,
                     help="Talk only to the local emulator started by `reconciler emulator "
                          "start` for this project; the environment's key is never sent."),
        click.option("--organization", help="OpenAI organization (default: OPENAI_ORG_ID)."),
        click.option("--project", help="OpenAI project (default: OPENAI_PROJECT_ID)."),
    ]):
        function = option(function)
    return function


def retry_option(function: F) -> F:
    """--retry-timeout."""
    return click.option(
        "--retry-timeout", type=FiniteFloat(0), default=120.0, show_default=True,
        help="Seconds during which failed calls (429, 5xx, dropped) are retried.")(function)


def connect(app: AppContext, base_url: str | None, organization: str | None,
            project: str | None, *, emulator: bool = False) -> Connection:
    """The connection from the flags, reconciler.yaml and the environment, announced on
    stderr (where requests go, the project and the scope, and why), so that JSON on stdout
    stays clean. `emulator` is --emulator."""
    check_endpoint_flags(base_url, emulator)
    connection = connection_of(app.settings(), base_url, organization, project,
                               emulator=emulator)
    echo(connection.announce(), err=True)
    return connection


def check_endpoint_flags(base_url: str | None, emulator: bool) -> None:
    """--emulator and --base-url name two different servers: one of them, please."""
    if emulator and base_url:
        raise click.UsageError("--emulator and --base-url cannot be used together: "
                               "--emulator means the local emulator, --base-url another "
                               "server", ctx=click.get_current_context(silent=True))


__all__ = ["SCOPE_VARIABLE", "check_endpoint_flags", "check_pinned_scope", "connect",
           "connection_of", "connection_options", "retry_option"]
