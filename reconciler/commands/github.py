"""`reconciler comment github`: a plan or diff on a pull request, one comment per
environment, updated in place on every push."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from reconciler import github
from reconciler.commands.context import AppContext
from reconciler.console import echo
from reconciler.errors import ConfigError

DRY_RUN_LINES = 10
"""The first lines of the body a dry run shows."""


@click.group()
def comment() -> None:
    """Post a plan or diff on a pull request, as one comment kept up to date."""


def _read(source: str) -> str:
    """The comment's text: a file, read when the command runs (so that a missing one is an
    error in the reconciler's words), or standard input (-)."""
    if source == "-":
        return str(sys.stdin.read())
    try:
        return Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {source}: {getattr(exc, 'strerror', None) or exc}",
                          hint="give the file `reconciler plan --format markdown` wrote, or - "
                               "for standard input") from exc


@comment.command("github")
@click.option("--file", "source", type=str, required=True,
              metavar="FILE",
              help="The comment's text, e.g. from `reconciler plan --format markdown` "
                   "(- reads stdin).")
@click.option("--marker", metavar="TEXT",
              help="Find and update the comment marked with TEXT (default: the environment, "
                   "--env): one comment per marker.")
@click.option("--pr", "number", type=click.IntRange(1), metavar="NUMBER",
              help="The pull request (default: the one GITHUB_EVENT_PATH names).")
@click.option("--repo", metavar="OWNER/REPO",
              help="The repository (default: GITHUB_REPOSITORY).")
@click.option("--artifact-url", metavar="URL",
              help="Where the full plan is, named when the comment must be cut (default: "
                   "the workflow run, from GITHUB_SERVER_URL and GITHUB_RUN_ID).")
@click.option("--dry-run", is_flag=True,
              help="Print what would be sent (method, URL, body length, first lines) and "
                   "send nothing.")
@click.pass_obj
def comment_github(app: AppContext, source: str, marker: str | None, number: int | None,
                   repo: str | None, artifact_url: str | None, dry_run: bool) -> None:
    """Create or update this environment's comment on a pull request.

    The comment starts with a hidden marker line (<!-- reconciler plan: ENV -->, or
    <!-- reconciler: TEXT --> with --marker); the pull request's comments are searched for
    it, and the one found is replaced, so every push updates one comment per environment.
    A body over GitHub's 65,536 characters is cut at a line, ending with a pointer to the
    full plan (--artifact-url, else the workflow run). Reads GITHUB_TOKEN (never shown),
    GITHUB_REPOSITORY, GITHUB_EVENT_PATH and GITHUB_API_URL (GitHub Enterprise).

    \b
    Examples:
      reconciler plan --env prod --format markdown > plan.md
      reconciler comment github --env prod --file plan.md
      reconciler diff --base origin/main --format markdown | \\
        reconciler comment github --marker diff --file -
    """
    text = _read(source)
    if not text.strip():
        raise ConfigError(f"{source} is empty: there is nothing to comment",
                          hint="give the file `reconciler plan --format markdown` wrote")
    workflow = github.Workflow.from_environment(os.environ, repository=repo,
                                                need_token=not dry_run)
    pr = github.pull_request_number(os.environ, number)
    mark = github.marker("plan", app.env) if marker is None else github.marker(None, marker)
    full = github.marked(text, mark)
    body = github.fit(full, pointer=github.cut_pointer(
        total=len(full), artifact_url=artifact_url, run_url=workflow.run_url))
    with github.GitHub(workflow) as client:
        if dry_run:
            _dry_run(client, pr, mark, body, total=len(full))
            return
        written = github.upsert_comment(client, pr, mark, body)
    verb = "Updated" if written.done is github.Done.UPDATED else "Posted"
    echo(f"{verb} the comment {mark} on {workflow.repository}#{pr}: "
         f"{written.item.get('html_url', written.item.get('id'))}")


def _dry_run(client: github.GitHub, pr: int, mark: str, body: str, *, total: int) -> None:
    """Say what would be sent; send nothing."""
    url = client.workflow.url
    comments = url(client.repo_path(f"/issues/{pr}/comments"))
    cut = f" (cut from {total:,})" if total > len(body) else ""
    lines = body.splitlines()
    echo(f"Dry run: nothing is sent.\n"
         f"would GET {comments}?per_page={github.PER_PAGE} (and its next pages) for the "
         f"comment marked {mark}\n"
         f"would PATCH {url(client.repo_path('/issues/comments/ID'))} when one is found, "
         f"else POST {comments}\n"
         f"body: {len(body):,} characters{cut}, {len(lines)} lines; the first:")
    for line in lines[:DRY_RUN_LINES]:
        echo(f"  | {line}")
    if len(lines) > DRY_RUN_LINES:
        echo(f"  | ... {len(lines) - DRY_RUN_LINES} more lines")
