"""Options and set-up shared by every command that talks to an API: --base-url, --emulator,
--organization, --project, and the announced connection."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar

import click

from reconciler.commands.context import AppContext
from reconciler.connection import Connection, resolve
from reconciler.console import echo
from reconciler.errors import ConfigError

if TYPE_CHECKING:
    from reconciler.settings import Settings

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
        "--retry-timeout", type=click.FloatRange(0), default=120.0, show_default=True,
        help="Seconds during which failed calls (429, 5xx, dropped) are retried.")(function)


SCOPE_VARIABLE = "RECONCILER_SCOPE"
"""Set by a workflow to pin the scope: reconciler.yaml, which a pull request may change,
must then say the same."""


def check_pinned_scope(scope: str | None, path: Any) -> None:
    """Refuse a reconciler.yaml whose scope is not the one the workflow pins."""
    pinned = os.environ.get(SCOPE_VARIABLE)
    if pinned and pinned != scope:
        raise ConfigError(f"{path or 'reconciler.yaml'} says scope {scope or '(none)'}, but "
                          f"{SCOPE_VARIABLE} (set where this runs) pins {pinned}",
                          hint="a pull request cannot change which scope a workflow applies "
                               "to; fix the scope in reconciler.yaml, or the workflow")


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


def connection_of(settings: Settings, base_url: str | None, organization: str | None,
                  project: str | None, *, emulator: bool = False) -> Connection:
    """The connection of `settings` (its environment chosen) and the flags, with its scope
    pinned as the environment says; announced by nobody."""
    settings.require_environment()
    check_pinned_scope(settings.config.scope, settings.path)
    connection = resolve(settings.config.connection, base_url=base_url, emulator=emulator,
                         organization=organization, project=project, root=settings.root)
    return replace(connection, scope=settings.config.scope, environment=settings.environment)
