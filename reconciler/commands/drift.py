"""`reconciler drift`: the scheduled check that the live account still matches the
manifests, as `plan --refresh=full --detailed-exitcode` computes it, optionally kept in one
GitHub issue per environment."""

from __future__ import annotations

import datetime as dt
import os

import click

from reconciler import github
from reconciler.commands.connecting import connect, connection_options, retry_option
from reconciler.commands.context import AppContext
from reconciler.connection import Connection
from reconciler.console import echo
from reconciler.errors import ManifestError
from reconciler.exitcodes import ExitCode
from reconciler.pipeline import Selection, Sources, make_plan
from reconciler.plan.model import Plan
from reconciler.provider.retry import RetryPolicy
from reconciler.render import diagnostics as render_diagnostics
from reconciler.render import plan as render_plan

HEAL = "reconciler apply --refresh=full"
"""What sets drift back: the same full refresh that found it."""


@click.command()
@click.option("--format", "fmt", type=click.Choice(render_plan.FORMATS), default="text",
              show_default=True, help="text for people, json for tools, markdown for an issue.")
@click.option("--open-issue", type=click.Choice(["github"]),
              help="Keep one open issue per environment (label reconciler-drift) with the "
                   "drift found, and close it once none is left (GITHUB_TOKEN, "
                   "GITHUB_REPOSITORY).")
@retry_option
@connection_options
@click.pass_obj
def drift(app: AppContext, fmt: str, open_issue: str | None, retry_timeout: float,
          base_url: str | None, organization: str | None, project: str | None,
          emulator: bool) -> None:
    """Check whether the live account drifted from the manifests: exit 0 no, 2 yes, 1 error.

    The plan of `reconciler plan --refresh=full`: every live object compared, every store's
    files listed and every upload checked, so a file swapped by hand is found too. It sends
    only reads to the OpenAI API. With --open-issue github, the drift found is written to an
    open issue titled `Drift in ENV` (updated by every later run, never duplicated), which
    the first run that finds no drift closes.

    \b
    Examples:
      reconciler drift --env prod                             # a scheduled job
      reconciler drift --env prod --format markdown --open-issue github
    """
    workflow = (github.Workflow.from_environment(os.environ) if open_issue else None)
    connection = connect(app, base_url, organization, project, emulator=emulator)
    sources = Sources.over(connection.client(retry=RetryPolicy(total=retry_timeout)))
    try:
        planned = make_plan(app.settings(), connection, sources, Selection(refresh_full=True))
    except ManifestError as error:
        if fmt == "json":  # each problem where it is, as `plan --format json` prints them
            echo(render_diagnostics.render_json(error.diagnostics, files=0, documents=0))
        raise
    echo(render_plan.render(planned.plan, fmt, color=app.color))
    if workflow is not None:
        _report(workflow, connection, planned.plan)
    if planned.plan.has_changes:
        count = len(planned.plan.changes)
        echo(f"Drift found: {count} change{'s' if count != 1 else ''} would make the live "
             f"account match the manifests again (exit 2): `{HEAL}` makes them.", err=True)
        click.get_current_context().exit(ExitCode.CHANGES)


def _report(workflow: github.Workflow, connection: Connection, plan: Plan) -> None:
    """Open, update or close the environment's drift issue; say what was done on stderr."""
    environment = connection.environment
    mark = github.marker("drift", environment)
    when = f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC" + (
        f" ([run]({workflow.run_url}))" if workflow.run_url else "")
    body = _issue_body(plan, mark, environment, when, workflow) if plan.has_changes else None
    closing = f"No drift left: the live account matches the manifests (checked {when})."
    with github.GitHub(workflow) as client:
        written = github.report_drift(client, mark, title=_title(environment), body=body,
                                      closing=closing)
    if written is not None:
        issue = written.item
        verb = {github.Done.CREATED: "Opened", github.Done.UPDATED: "Updated",
                github.Done.CLOSED: "Closed"}[written.done]
        echo(f"{verb} issue #{issue.get('number')} "
             f"({issue.get('title')}) in {workflow.repository}: {issue.get('html_url')}",
             err=True)


def _title(environment: str | None) -> str:
    return f"Drift in {environment}" if environment else "Drift"


def _issue_body(plan: Plan, mark: str, environment: str | None, when: str,
                workflow: github.Workflow) -> str:
    """The issue: what drifted, how to set it back, and the plan (cut to fit)."""
    where = ", ".join([*([f"environment {environment}"] if environment else []),
                       *([f"scope {plan.scope}"] if plan.scope else [])])
    env_flag = f" --env {environment}" if environment else ""
    full = (f"{mark}\n**The live account differs from the manifests**"
            f"{f' ({where})' if where else ''}: found by `reconciler drift` at {when}.\n\n"
            f"Run `{HEAL}{env_flag}` to set it back (the full refresh this check made: a "
            "plain `apply` trusts the digest a store records, and would not see a file "
            "swapped by hand), or change the manifests to keep what was changed by hand. "
            "Every drift check updates this issue, and the "
            "first one that finds no drift closes it.\n\n" + render_plan.render_markdown(plan))
    return github.fit(full, pointer=github.cut_pointer(total=len(full), artifact_url=None,
                                                       run_url=workflow.run_url))
