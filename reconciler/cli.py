"""The `reconciler` command line. Thin: parse options, call the library, render, exit.

Errors a user should see are `ReconcilerError`s, caught in one place (`main`) and mapped to a
message and exit code; anything else is a bug and shows a traceback.

Commands are imported when they run (`COMMANDS`), so that `reconciler --help` and the
commands that never talk to an API do not pay for the `openai` SDK, the emulator's server or
deepdiff.
"""

from __future__ import annotations

import gc
import importlib
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import click

from reconciler import __version__, secrets
from reconciler.commands.context import AppContext, default_color
from reconciler.console import echo
from reconciler.errors import ManifestError, ReconcilerError
from reconciler.escape import escape_workflow_commands
from reconciler.exitcodes import ExitCode

COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("reconciler.commands.init:init",
             "Write a commented reconciler.yaml here (or at --config), to start using the "
             "reconciler in this repository."),
    "validate": ("reconciler.commands.manifests:validate",
                 "Check manifests: YAML, schemas, templates, tool references, permissions and "
                 "models."),
    "render": ("reconciler.commands.manifests:render",
               "Print the fully resolved stores, assistants and agents: what will be sent to "
               "the API."),
    "diff": ("reconciler.commands.diffing:diff",
             "Compare resolved resources without any API access: two git revisions (what a "
             "pull request changes, in each environment), or two environments (what a "
             "promotion would change)."),
    "schema": ("reconciler.commands.manifests:schema",
               "The published JSON Schemas (for editors and other tools)."),
    "plan": ("reconciler.commands.plan_apply:plan",
             "Show what apply would change: compare the manifests with the live account."),
    "apply": ("reconciler.commands.plan_apply:apply", "Make the live account match the manifests."),
    "drift": ("reconciler.commands.drift:drift",
              "Check whether the live account drifted from the manifests: exit 0 no, 2 yes, "
              "1 error."),
    "comment": ("reconciler.commands.github:comment",
                "Post a plan or diff on a pull request, as one comment kept up to date."),
    "import": ("reconciler.commands.importing:import_",
               "Bring live assistants and agents that no manifest manages under git."),
    "inventory": ("reconciler.commands.inventory:inventory",
                  "List every live vector store, assistant and agent: managed or not, its "
                  "manifest, in sync or not (a store whose files differ from its globs has "
                  "drifted)."),
    "usage": ("reconciler.commands.usage:usage_",
              "Show how the managed agents are used: sessions, failures, tokens in and out, the "
              "last activity and an estimated cost, per agent, model or day."),
    "ui": ("reconciler.commands.ui:ui", "Serve a read-only web dashboard on this machine."),
    "lock": ("reconciler.commands.lock:lock",
             "See the apply lock of this project's scope (one apply at a time)."),
    "force-unlock": ("reconciler.commands.lock:force_unlock",
                     "Delete an apply lock whose holder is dead, so that apply can run again."),
    "models": ("reconciler.commands.models:models",
               "The model catalog and the API's list of models."),
    "migrate": ("reconciler.commands.migrate:migrate_group",
                "Move manifests from one API to another."),
    "emulator": ("reconciler.commands.emulator:emulator",
                 "A local emulator of the OpenAI API (models, assistants, agents, files, "
                 "vector stores)."),
}
"""Each command: where it is defined, and its short help (shown without importing it; a test
checks it is the command's own)."""


class ReconcilerCLI(click.Group):
    """The command group; its `main` is the one place where errors become exit codes.

    Its commands are loaded by name from `COMMANDS` when they are needed."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, _, name = COMMANDS[cmd_name][0].partition(":")
        # What importing makes (the SDK's many types, the manifest models) lives as long as
        # the process, and holds next to no garbage: no collection runs while it is made (each
        # would scan all of it again, some 6 ms of `validate`), and freezing it after spares
        # every later full collection from rescanning it, which halves the time to load
        # 1,000 manifests (bench/plan_apply.py).
        collecting = gc.isenabled()
        gc.disable()
        try:
            command: click.Command = getattr(importlib.import_module(module), name)
        finally:
            gc.freeze()
            if collecting:
                gc.enable()
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        rows = [(name, click.Command(name, help=COMMANDS[name][1]).get_short_help_str(limit))
                for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        argv = hoist_global_options(list(sys.argv[1:] if args is None else args))
        try:
            code = super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.UsageError as exc:  # in the one style: error: ..., hint: ...
            where = exc.ctx.command_path if exc.ctx is not None else "reconciler"
            _report(ReconcilerError(exc.format_message(), hint=f"see '{where} --help'"),
                    color=_color_from(argv))
            code = ExitCode.ERROR
        except click.exceptions.Abort as exc:
            # after a prompt on a terminal, the cursor is still on the prompt's line (^C)
            start = "\n" if sys.stdin.isatty() else ""
            if isinstance(exc.__cause__, KeyboardInterrupt):  # Ctrl-C outside apply's changes
                echo(f"{start}error: interrupted", err=True)
                code = ExitCode.INTERRUPTED
            else:
                echo(f"{start}error: aborted; nothing was changed", err=True)
                code = ExitCode.ERROR
        except ReconcilerError as exc:
            if "--debug" in argv:
                echo(secrets.redact(traceback.format_exc()), err=True, nl=False)
            _report(exc, color=_color_from(argv))
            code = exc.exit_code
        if not standalone_mode:
            return code
        sys.exit(int(code) if isinstance(code, int) else ExitCode.OK)


GLOBAL_FLAGS = ("--color", "--no-color", "--debug")
GLOBAL_WITH_VALUE = ("--config", "--env")


def hoist_global_options(argv: list[str]) -> list[str]:
    """Move global options written after the command (`plan --no-color`) before it.

    No command has an option of these names, so `reconciler plan --debug` can only mean the
    global one. Nothing after `--` is moved.
    """
    command = _command_index(argv)
    if command is None:
        return argv
    hoisted: list[str] = []
    rest: list[str] = []
    index = command
    while index < len(argv):
        token = argv[index]
        if token == "--":
            rest += argv[index:]
            break
        if token in GLOBAL_FLAGS or ("=" in token
                                     and token.split("=", 1)[0] in GLOBAL_WITH_VALUE):
            hoisted.append(token)
        elif token in GLOBAL_WITH_VALUE:
            hoisted += argv[index:index + 2]
            index += 1
        else:
            rest.append(token)
        index += 1
    return argv[:command] + hoisted + rest


def _command_index(argv: list[str]) -> int | None:
    """Where the command name is: the first word that is no global option or its value."""
    index = 0
    while index < len(argv):
        token = argv[index]
        if token in GLOBAL_WITH_VALUE:
            index += 2
        elif token.startswith("-"):
            index += 1
        else:
            return index
    return None


def _color_from(argv: Sequence[str]) -> bool:
    if "--no-color" in argv:
        return False
    return "--color" in argv or default_color()


@click.group(cls=ReconcilerCLI,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--config", "config", type=click.Path(dir_okay=False, path_type=Path),
              help="Path of reconciler.yaml (default: the nearest one in this folder or above).")
@click.option("--env", "envs", envvar="RECONCILER_ENV", metavar="NAME", multiple=True,
              help="The environment of reconciler.yaml to use (default: RECONCILER_ENV); "
                   "required when it declares environments, except by validate, which "
                   "checks them all (diff takes two, to compare them).")
@click.option("--color/--no-color", default=None,
              help="Colour the output (default: on a terminal, unless NO_COLOR is set).")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
@click.version_option(__version__, prog_name="reconciler")
@click.pass_context
def cli(ctx: click.Context, config: Path | None, envs: tuple[str, ...], color: bool | None,
        debug: bool) -> None:
    """Keep OpenAI assistants, agents and their files in git: validate, plan and apply.

    Declare Assistant, Agent, Tool, Template, ModelCatalog and VectorStore manifests in
    YAML; a VectorStore names repository files by glob, uploaded once per content. `plan`
    shows exactly what would change in the live account (files and bytes included);
    `apply` converges it, safely and idempotently. Without OPENAI_API_KEY, commands talk
    to the local emulator (`reconciler emulator start`).

    \b
    Exit codes: 0 success, 1 error (invalid input, failed call, usage error),
                2 changes present (with --detailed-exitcode / --check; drift: drift found),
                130 interrupted (Ctrl-C).

    \b
    Examples:
      reconciler validate --format github        # annotations on a pull request
      reconciler plan --format markdown          # a pull-request comment
      reconciler apply --auto-approve            # CI
      reconciler import --all                    # bring existing objects under git
      reconciler inventory --format csv          # what the account holds
    """

    ctx.obj = AppContext(config=config, color=default_color() if color is None else color,
                         debug=debug, envs=tuple(e for e in envs if e))


def _report(error: ReconcilerError, *, color: bool) -> None:
    if isinstance(error, ManifestError):
        from reconciler.render import diagnostics as render_diagnostics

        text = render_diagnostics.render_text(error.diagnostics, files=0, documents=0,
                                              color=color)
        echo(text.rsplit("\n", 1)[0], err=True)
    prefix = click.style("error:", fg="red", bold=True) if color else "error:"
    echo(f"{prefix} {secrets.redact(error.message)}", err=True)
    if error.hint:
        echo(f"hint: {secrets.redact(error.hint)}", err=True)


def _crash(kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
    """Print an internal error's traceback (a bug) with every known secret masked."""
    text = "".join(traceback.format_exception(kind, error, trace))
    sys.stderr.write(escape_workflow_commands(secrets.redact(text)))


def main(argv: Sequence[str] | None = None) -> None:
    """Run the CLI (the console script and `python -m reconciler`)."""
    sys.excepthook = _crash
    args = list(sys.argv[1:] if argv is None else argv)
    cli.main(args=args, prog_name="reconciler")
