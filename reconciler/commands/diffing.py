"""`reconciler diff`: what a pull request or a promotion changes, without any API."""

from __future__ import annotations

import contextlib
from pathlib import Path

import click

from reconciler.commands.context import AppContext
from reconciler.compare import Comparison, compare
from reconciler.console import echo
from reconciler.errors import ManifestError, ReconcilerError
from reconciler.exitcodes import ExitCode
from reconciler.model.desired import DesiredResource
from reconciler.render import compare as render_compare
from reconciler.settings import CONFIG_NAME, Settings, load_manifests, load_settings


@click.command("diff")
@click.option("--base", metavar="REF", help="Compare the project at this git revision (branch, "
                                            "tag, commit) ...")
@click.option("--head", metavar="REF", help="... with this one (default: the working tree).")
@click.option("--format", "fmt", type=click.Choice(render_compare.FORMATS), default="text",
              show_default=True, help="text for people, json for tools, markdown for a PR.")
@click.option("--detailed-exitcode", is_flag=True,
              help="Exit 0 when nothing differs, 2 when something does, 1 on error.")
@click.pass_obj
def diff(app: AppContext, base: str | None, head: str | None, fmt: str,
         detailed_exitcode: bool) -> None:
    """Compare resolved resources without any API access: two git revisions (what a pull
    request changes, in each environment), or two environments (what a promotion would
    change).

    Each assistant, agent and vector store is compared as it would be sent (templates,
    tools and variables applied), field by field, with its repository files by content.
    Needs no key: a pull request from a fork, which gets no secrets, can show this.

    \b
    Examples:
      reconciler diff --base origin/main                    # every environment
      reconciler diff --base origin/main --env prod --format markdown
      reconciler diff --env staging --env prod              # what promotion changes
    """
    settings = load_settings(app.config)
    if base is None:
        if head is not None:
            raise click.UsageError("--head needs --base")
        if len(app.envs) != 2:
            raise click.UsageError("give --base REF (a git revision), or --env twice to "
                                   "compare two environments")
        left, right = app.envs
        comparisons = [compare(_resolved(settings.for_environment(left)),
                               _resolved(settings.for_environment(right)),
                               left_name=f"environment {left}",
                               right_name=f"environment {right}")]
    else:
        comparisons = _revisions(app, settings, base, head)
    echo(render_compare.render(comparisons, fmt, color=app.color), raw=fmt == "markdown")
    if detailed_exitcode and any(c.differences for c in comparisons):
        click.get_current_context().exit(ExitCode.CHANGES)


def _revisions(app: AppContext, settings: Settings, base: str, head: str | None
               ) -> list[Comparison]:
    from reconciler import gitrev

    if len(app.envs) > 1:
        raise click.UsageError("with --base, give one --env (or none: every environment)")
    left_name = f"base {gitrev.describe(settings.root, base)}"
    right_name = (f"head {gitrev.describe(settings.root, head)}" if head
                  else "the working tree")
    with contextlib.ExitStack() as stack:
        before = _project(stack.enter_context(gitrev.checkout(settings.root, base)))
        after = (_project(stack.enter_context(gitrev.checkout(settings.root, head)))
                 if head else settings)
        declared = dict.fromkeys([*after.config.environments, *before.config.environments])
        names: list[str | None] = [*(app.envs or declared)] or [None]
        return [compare(_side(before, name, base), _side(after, name, head),
                        left_name=left_name, right_name=right_name, environment=name)
                for name in names]


def _project(folder: Path) -> Settings:
    """The project as a revision has it (no reconciler.yaml: its defaults, in `folder`)."""
    config = folder / CONFIG_NAME
    return load_settings(config) if config.is_file() else Settings(root=folder)


def _side(settings: Settings, environment: str | None, ref: str | None
          ) -> list[DesiredResource]:
    """The resources of one side in `environment` (none where it is not declared)."""
    if environment is not None and environment not in settings.config.environments:
        return []
    try:
        return _resolved(settings.for_environment(environment))
    except ManifestError as error:
        if ref is None:
            raise
        raise ReconcilerError(f"the manifests at {ref} are invalid "
                              f"({error.diagnostics.count_errors()} errors); first: "
                              f"{next(iter(error.diagnostics)).message}") from error


def _resolved(settings: Settings) -> list[DesiredResource]:
    manifests = load_manifests(settings, (), allow_empty=True)
    if manifests.diagnostics.has_errors:
        raise ManifestError(manifests.diagnostics)
    return list(manifests.resources)
