"""`reconciler lock status` and `reconciler force-unlock`: see and break the apply lock.

The lock itself is `reconciler.lock` (imported when a command runs, not for --help).
"""

from __future__ import annotations

import json
import sys

import click

from reconciler.commands.connecting import connect, connection_options, retry_option
from reconciler.commands.context import AppContext
from reconciler.console import echo
from reconciler.errors import ReconcilerError


def interactive() -> bool:
    """Whether a person can answer the confirmation prompt."""
    return sys.stdin.isatty()


@click.group(name="lock")
def lock() -> None:
    """See the apply lock of this project's scope (one apply at a time).

    `apply` holds a lock object on the live side (a vector store named reconciler-lock,
    never shown by plan or inventory) while it runs, renewed every 40 s; a lock whose
    holder stopped renewing expires after 120 s. Break a lock whose holder is dead with
    `reconciler force-unlock LOCK_ID`.

    \b
    Examples:
      reconciler lock status
      reconciler lock status --format json
    """


@lock.command(name="status")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="text for people, json for scripts (a list of locks).")
@retry_option
@connection_options
@click.pass_obj
def status(app: AppContext, fmt: str, retry_timeout: float, base_url: str | None,
           organization: str | None, emulator: bool, project: str | None) -> None:
    """Show who holds the apply lock of this project's scope, and until when.

    One line per lock object: its id, holder (user@host pid N), start and expiry. An
    expired one is a crashed run's: the next apply ignores and deletes it. Exit 0 whether
    or not a lock is held.

    \b
    Examples:
      reconciler lock status
      reconciler lock status --format json | jq '.[0].holder'
    """

    from reconciler.lock import ServerTime
    from reconciler.lock import status as lock_status
    from reconciler.provider.retry import RetryPolicy

    scope = app.settings().config.scope
    connection = connect(app, base_url, organization, project, emulator=emulator)
    server = ServerTime()
    locks = lock_status(connection.client(retry=RetryPolicy(total=retry_timeout)), scope,
                        server)
    now = server.now()  # the API's clock judges expiry, as apply does
    if fmt == "json":
        echo(json.dumps([found.as_json(now) for found in locks], indent=2, ensure_ascii=False))
    elif not locks:
        echo(f"No lock held for scope {scope}." if scope else "No lock held (no scope set).")
    else:
        for found in locks:
            echo(found.describe(now))


@click.command(name="force-unlock")
@click.argument("lock_id", metavar="LOCK_ID")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (needed without a "
                                          "terminal).")
@click.option("--force", is_flag=True, help="Delete a lock renewed within the last two "
                                            "thirds of its ttl too (80 s: its holder looks "
                                            "alive).")
@retry_option
@connection_options
@click.pass_obj
def force_unlock(app: AppContext, lock_id: str, yes: bool, force: bool, retry_timeout: float,
                 base_url: str | None, organization: str | None, emulator: bool,
                 project: str | None) -> None:
    """Delete an apply lock whose holder is dead, so that apply can run again.

    Deletes exactly the lock object LOCK_ID (as `reconciler lock status` or apply's
    error names it), and refuses any id that is not a lock object. A lock renewed within the
    last 80 s (two renewal periods of 40 s, by the API's clock) has a live holder: refused
    unless --force, since two applies would then change the same objects at once. Asks for
    confirmation on a terminal; without one, only --yes deletes.

    \b
    Examples:
      reconciler lock status
      reconciler force-unlock vs_abc123
      reconciler force-unlock vs_abc123 --yes     # CI, scripts
      reconciler force-unlock vs_abc123 --force   # its holder is gone, though it renewed
    """
    from reconciler import lock as apply_lock
    from reconciler.provider.retry import RetryPolicy

    connection = connect(app, base_url, organization, project, emulator=emulator)
    client = connection.client(retry=RetryPolicy(total=retry_timeout))
    server = apply_lock.ServerTime()
    found = apply_lock.lock_info(client, lock_id, server)
    echo(found.describe(server.now()))
    if not force:
        apply_lock.refuse_if_alive(found, server.now())
    if not yes:
        _confirm(found.id)
    apply_lock.force_unlock(client, found.id, force=force)
    echo(f"Lock {found.id} deleted: apply can run again.")


def _confirm(lock_id: str) -> None:
    if not interactive():
        raise ReconcilerError("force-unlock asks for confirmation, but there is no terminal; "
                              "nothing was deleted",
                              hint=f"check with `reconciler lock status`, then "
                                   f"`reconciler force-unlock {lock_id} --yes`")
    answer = click.prompt(
        "\nDo you really want to force-unlock?\n  The lock will be deleted. If its holder is "
        "still running, another apply may\n  then change the same objects at the same time. "
        "Only 'yes' is accepted", default="", show_default=False)
    if answer.strip() != "yes":
        raise ReconcilerError("force-unlock cancelled; nothing was deleted")
