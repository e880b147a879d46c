"""`reconciler diff`: what a pull request or a promotion changes, without any API."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

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
        changed: list[str] = []
    else:
        comparisons, changed = _revisions(app, settings, base, head)
    echo(_headed(render_compare.render(comparisons, fmt, color=app.color), changed, fmt),
         raw=fmt == "markdown")
    if detailed_exitcode and any(c.differences for c in comparisons):
        click.get_current_context().exit(ExitCode.CHANGES)


def _headed(text: str, changed: list[str], fmt: str) -> str:
    """The comparison with what changed in the gates themselves said first."""
    if not changed:
        return text
    if fmt == "json":
        data = json.loads(text)
        return json.dumps({"policies_changed": changed, **data} if isinstance(data, dict)
                          else data, indent=2, ensure_ascii=False)
    said = "; ".join(changed)
    if fmt == "markdown":
        return (f"> **Policies changed:** {said}. They gate this change: review them "
                f"first.\n\n{text}")
    return f"policies changed: {said} (they gate this change: review them first)\n\n{text}"


def _gates(settings: Settings) -> dict[str, Any]:
    """What gates a plan, as a revision declares it: each Policy's rules, and each
    environment's labels (which rules match on)."""
    from reconciler.kinds.policy.index import declared

    try:  # each revision's own policies, not the ones a workflow pins
        manifests = load_manifests(settings, (), allow_empty=True, pinned=False)
    except ReconcilerError:
        return {"(the revision's policies)": "could not be read"}
    rules: dict[str, Any] = {}
    for rule in declared(manifests):
        rules.setdefault(f"Policy/{rule.policy}", []).append(
            rule.spec.model_dump(mode="json", exclude_none=True))
    labels = {f"environment {name}": dict(env.labels)
              for name, env in settings.config.environments.items()}
    return {**rules, **labels}


def gates_changed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """What differs between two revisions' gates, one phrase each."""
    said = []
    for key in sorted(set(before) | set(after)):
        what = "labels" if key.startswith("environment ") else "rules"
        if key not in before:
            said.append(f"{key} added")
        elif key not in after:
            said.append(f"{key} removed")
        elif before[key] != after[key]:
            said.append(f"{key} {what} edited")
    return said


def _revisions(app: AppContext, settings: Settings, base: str, head: str | None
               ) -> tuple[list[Comparison], list[str]]:
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
        comparisons = [compare(_side(before, name, base), _side(after, name, head),
                               left_name=left_name, right_name=right_name, environment=name)
                       for name in names]
        return comparisons, gates_changed(_gates(before), _gates(after))


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
