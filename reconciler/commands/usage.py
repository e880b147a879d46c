"""`reconciler usage`: sessions, tokens, failures and estimated cost of the managed agents."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os

import click

from reconciler import inventory, usage
from reconciler.commands.connecting import connect, connection_options, retry_option
from reconciler.commands.context import AppContext
from reconciler.console import echo
from reconciler.errors import ReconcilerError
from reconciler.kinds.model_catalog.index import catalog as catalog_of
from reconciler.pipeline import Sources
from reconciler.provider.retry import RetryPolicy
from reconciler.render import usage as render_usage
from reconciler.secrets import remember


def _window(context: click.Context, parameter: click.Parameter, value: str | None
            ) -> dt.timedelta | None:
    if value is None:
        return None
    try:
        return usage.parse_window(value)
    except ReconcilerError as exc:
        raise click.BadParameter(f"{exc.message}: {exc.hint}") from None


@click.command()
@click.option("--since", "window", default="30d", show_default=True, callback=_window,
              metavar="WINDOW",
              help="How far back: 12h, 30d, 2w. A session counts on the day it started.")
@click.option("--by", type=click.Choice(usage.BY), default="agent", show_default=True,
              help="One row per agent, per model, or per day (UTC).")
@click.option("--unused", "unused", callback=_window, metavar="WINDOW",
              help="List the managed agents without any session in WINDOW (e.g. 30d), each "
                   "with its manifest file: a review aid, it deletes nothing.")
@click.option("--format", "fmt", type=click.Choice(render_usage.FORMATS), default="table",
              show_default=True, help="table for people, csv for spreadsheets, json for tools.")
@click.option("--admin-key-env", default="OPENAI_ADMIN_KEY", show_default=True,
              metavar="NAME",
              help="The variable holding an admin key: when it is set, the organization Usage "
                   "API's tokens by model and costs by project are added for comparison.")
@click.option("--parallelism", type=click.IntRange(1, 32), default=8, show_default=True,
              help="Agents whose sessions are read at once.")
@retry_option
@connection_options
@click.pass_obj
def usage_(app: AppContext, window: dt.timedelta, by: str, unused: dt.timedelta | None,
           fmt: str, admin_key_env: str, parallelism: int, retry_timeout: float,
           base_url: str | None, organization: str | None, project: str | None,
           emulator: bool) -> None:
    """Show how the managed agents are used: sessions, failures, tokens in and out, the
    last activity and an estimated cost, per agent, model or day.

    Reads each managed agent's sessions of the window from the Agents API (newest first,
    stopping before the window; in parallel across agents) and sends no write. The cost is
    an estimate from the model catalog's prices (blank where it has no price), not a bill:
    with an admin key (--admin-key-env), the organization Usage API's own figures are shown
    beside it. Agents only: the Assistants API records no sessions.

    \b
    Examples:
      reconciler usage                          # the last 30 days, per agent
      reconciler usage --since 7d --by day --format csv > usage.csv
      reconciler usage --unused 30d             # agents nobody used: candidates to delete
    """
    connection = connect(app, base_url, organization, project, emulator=emulator)
    client = connection.client(parallelism=parallelism, retry=RetryPolicy(total=retry_timeout))
    settings = app.settings()
    taken = inventory.take(settings, Sources.over(client), connection.base_url,
                           store_files=False)  # usage shows agents only
    agents = usage.managed_agents(taken.rows)
    admin_key = os.environ.get(admin_key_env) if not unused else None
    admin = None
    if admin_key:
        remember(admin_key)
        admin = dataclasses.replace(connection, api_key=admin_key).client(
            retry=RetryPolicy(total=retry_timeout))
    report = usage.collect(agents, catalog_of(taken.manifests), client,
                           unused or window,
                           admin_client=admin, parallelism=parallelism)
    if unused:
        echo(render_usage.render_unused(report, fmt), nl=fmt != "csv")
    else:
        echo(render_usage.render(report, by, fmt), nl=fmt != "csv")
