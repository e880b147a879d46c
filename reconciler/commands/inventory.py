"""`reconciler inventory`: every live object, managed or not, and whether it is in sync."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import click

from reconciler import inventory as listing
from reconciler.commands.connecting import connect, connection_options, retry_option
from reconciler.commands.context import AppContext
from reconciler.console import echo
from reconciler.inventory import COLUMNS
from reconciler.pipeline import Sources
from reconciler.provider.retry import RetryPolicy


def render_table(table: list[dict[str, Any]]) -> str:
    shown = [{k: ("yes" if v is True else "no" if v is False else str(v)) for k, v in row.items()}
             for row in table]
    widths = {c: max([len(c)] + [len(r[c]) for r in shown]) for c in COLUMNS}
    lines = ["  ".join(c.upper().ljust(widths[c]) for c in COLUMNS).rstrip()]
    lines += ["  ".join(r[c].ljust(widths[c]) for c in COLUMNS).rstrip() for r in shown]
    counts: dict[str, int] = {}
    for row in table:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    lines.append(f"\n{len(table)} live objects: {summary or 'none'}")
    return "\n".join(lines)


def render_csv(table: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({**r, "managed": "yes" if r["managed"] else "no"} for r in table)
    return out.getvalue()


@click.command()
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True, help="table for people, csv for audits and spreadsheets.")
@retry_option
@connection_options
@click.pass_obj
def inventory(app: AppContext, fmt: str, retry_timeout: float, base_url: str | None,
              organization: str | None, emulator: bool,
              project: str | None) -> None:
    """List every live vector store, assistant and agent: managed or not, its manifest, in
    sync or not (a store whose files differ from its globs has drifted).

    Status: `in sync`, `drifted` (a plan would change it), `orphaned` (managed, but no
    manifest declares it any more), `unmanaged` (see `reconciler import`), `import pending`
    (a manifest adopts it at the next apply), `duplicate` (several objects claim one
    manifest: the next apply keeps the oldest), `scope X` (owned by another scope).

    \b
    Examples:
      reconciler inventory
      reconciler inventory --format csv > inventory.csv
    """
    connection = connect(app, base_url, organization, project, emulator=emulator)
    client = connection.client(retry=RetryPolicy(total=retry_timeout))
    table = listing.take(app.settings(), Sources.over(client), connection.base_url).rows
    if fmt == "json":
        echo(json.dumps(table, indent=2, ensure_ascii=False))
    elif fmt == "csv":
        echo(render_csv(table), nl=False)
    else:
        echo(render_table(table))
