"""`reconciler init`: start using the reconciler in a repository.

It writes a commented `reconciler.yaml` (every setting shown, the optional ones commented
out), a manifests folder with one commented example Agent and the function Tool it uses
(both validate, on the emulator as on OpenAI), and keeps `.reconciler/` (the local
emulator's state) out of git. It never overwrites a file without `--force` (an example that
exists is left as it is), and reads nothing but the files it may change.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import click

from reconciler.commands.context import AppContext
from reconciler.console import echo
from reconciler.errors import ReconcilerError
from reconciler.outputs import write_below

CONFIG_NAME = "reconciler.yaml"
IGNORED = ".reconciler/"
CONFIG_TEXT = """\
# yaml-language-server: $schema=schemas/reconciler-config.schema.json
# Project settings of assistants-reconciler. Paths are relative to this file, and every file
# a manifest names must stay inside this folder.

# Where the manifests are: files, folders or globs.
manifests:
  - {manifests}

# Globs of files to skip.
# exclude: ["*draft*"]

# Where the API is. Without this section: OPENAI_BASE_URL and OPENAI_API_KEY from the
# environment (OpenAI when only the key is set), else the local emulator
# (`reconciler emulator start`). A flag (--base-url) beats both; this file and the
# environment may both name a base URL only if they agree (differing values are an error,
# never a silent choice). The key itself is never written here.
# connection:
#   base_url: https://api.openai.com/v1   # OpenAI's, loopback, or a host listed in
#                                         # RECONCILER_TRUSTED_HOSTS
#   api_key_env: OPENAI_API_KEY           # the name of the variable holding the key
#   organization: org-...
#   project: proj_...

# A scope per repository and environment that applies to a shared OpenAI project: every
# object written records it, and objects of other scopes are never changed. Required before
# the first apply to an API that is not on this machine.
# scope: support-prod

# Deletes: a plan that deletes more than this share of the scope's managed objects is
# refused by apply unless --allow-mass-delete.
# prune:
#   max_delete_percent: 50

# Environments, chosen with --env NAME (or RECONCILER_ENV): each with its own scope,
# connection, variables ({{{{ name }}}} in manifests), labels and overrides.
# environments:
#   dev: {{scope: support-dev, vars: {{tone: casual}}}}
#   prod:
#     scope: support-prod
#     connection: {{api_key_env: OPENAI_PROD_KEY}}
#     vars: {{tone: formal}}
"""
EXAMPLES = {
    "agents/example.yaml": """\
# yaml-language-server: $schema=../../schemas/v1/agent.schema.json
# An agent of the Agents API: `reconciler plan` shows it as a create, `apply` makes it.
# Rename it, change its model or instructions, then plan again to see an update.
apiVersion: reconciler/v1
kind: Agent
metadata:
  name: example-agent          # the manifest name: how the reconciler finds it again
  labels: {team: examples}
spec:
  model: gpt-6.1-sol           # `reconciler models list` shows the models you may use
  name: Example agent
  instructions: |
    You answer questions about orders. Look an order up before you answer.
  reasoning: {effort: medium}
  tools:
    - lookup-order             # the Tool manifest in ../tools/lookup-order.yaml, by name
    - {type: web_search}       # a built-in tool
""",
    "tools/lookup-order.yaml": """\
# yaml-language-server: $schema=../../schemas/v1/tool.schema.json
# A function tool, declared once and referenced by name from agents.
apiVersion: reconciler/v1
kind: Tool
metadata:
  name: lookup-order
spec:
  type: function
  function:
    name: lookup_order
    description: Look up an order by its id.
    strict: true
    parameters:
      type: object
      properties:
        order_id: {type: string, description: "The order's id, e.g. ORD-1234."}
      required: [order_id]
      additionalProperties: false
""",
}


@click.command()
@click.option("--manifests", "manifests", default="manifests", show_default=True,
              metavar="DIR", help="The folder that holds (or will hold) the manifests.")
@click.option("--gitignore/--no-gitignore", default=True, show_default=True,
              help=f"Add {IGNORED} (the local emulator's state) to .gitignore.")
@click.option("--force", is_flag=True, help=f"Overwrite an existing {CONFIG_NAME}.")
@click.pass_obj
def init(app: AppContext, manifests: str, gitignore: bool, force: bool) -> None:
    """Write a commented reconciler.yaml here (or at --config), to start using the
    reconciler in this repository.

    \b
    Examples:
      reconciler init
      reconciler init --manifests deploy/assistants --no-gitignore
      reconciler --config infra/reconciler.yaml init
    """
    path = app.config or Path(CONFIG_NAME)
    _check_manifests(manifests)
    if path.exists() and not force:
        raise ReconcilerError(f"{path} exists; nothing was written",
                              hint="--force overwrites it")
    write_below(path.parent, path, CONFIG_TEXT.format(manifests=manifests), overwrite=True)
    echo(f"wrote {path}")
    folder = path.parent / manifests
    for relative, text in EXAMPLES.items():
        example = folder / relative
        if example.exists() or example.is_symlink():
            echo(f"kept {example} (it exists)")
            continue
        write_below(path.parent, example, text)
        echo(f"wrote {example}")
    if gitignore:
        echo(_ignore_state(path.parent / ".gitignore"))
    echo("\nNext:\n"
         "  reconciler validate                      # check the manifests\n"
         "  reconciler emulator start                # no OpenAI account needed: a local "
         "API\n"
         "  reconciler plan                          # what apply would change\n"
         "  reconciler apply                         # make it so\n"
         "  reconciler schema export --out schemas   # editor support for the manifests\n"
         "  reconciler import --all                  # bring live assistants and agents "
         "under git")


def _check_manifests(folder: str) -> None:
    """Refuse a manifests path that leaves the project (the config loader would, later)."""
    parts = PurePosixPath(folder.replace("\\", "/"))
    if not folder.strip() or parts.is_absolute() or ".." in parts.parts:
        raise ReconcilerError(f"--manifests {folder}: must be a folder inside this one, "
                              "relative to reconciler.yaml; nothing was written",
                              hint="e.g. --manifests manifests")


def _ignore_state(path: Path) -> str:
    """Add `.reconciler/` to a .gitignore (made if absent) unless it is listed; say what."""
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    listed = {line.strip().strip("/") for line in text.splitlines()}
    if IGNORED.strip("/") in listed:
        return f"{path} already ignores {IGNORED}"
    separator = "" if not text or text.endswith("\n") else "\n"
    write_below(path.parent, path,
                f"{text}{separator}# the local emulator's state (reconciler)\n{IGNORED}\n",
                overwrite=True)
    return f"added {IGNORED} to {path}"
