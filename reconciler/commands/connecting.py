"""Options and set-up shared by every command that talks to an API: --base-url,
--organization, --project, and the announced connection."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from reconciler.commands.context import AppContext
from reconciler.connection import Connection, resolve
from reconciler.console import echo

F = TypeVar("F", bound=Callable[..., Any])


def connection_options(function: F) -> F:
    """--base-url, --organization, --project: override reconciler.yaml and the environment."""
    for option in reversed([
        click.option("--base-url", help="API base URL (default: OPENAI_BASE_URL, "
                                        "reconciler.yaml, the running emulator, or OpenAI)."),
        click.option("--organization", help="OpenAI organization (default: OPENAI_ORG_ID)."),
        click.option("--project", help="OpenAI project (default: OPENAI_PROJECT_ID)."),
    ]):
        function = option(function)
    return function


def connect(app: AppContext, base_url: str | None, organization: str | None,
            project: str | None) -> Connection:
    """The connection from the flags, reconciler.yaml and the environment, announced on
    stderr (where requests go and why), so that JSON on stdout stays clean."""
    settings = app.settings()
    connection = resolve(settings.config.connection, base_url=base_url,
                         organization=organization, project=project)
    echo(connection.announce(), err=True)
    return connection
