"""`reconciler.yaml`: project settings at the root of a repository."""

from __future__ import annotations

from pydantic import Field

from reconciler.model.common import Strict
from reconciler.ownership import SCOPE_PATTERN


class ConnectionConfig(Strict):
    """Where the API is. The API key is never stored here: it is read from the environment."""

    base_url: str | None = Field(None, description="e.g. http://127.0.0.1:8765/v1")
    organization: str | None = None
    project: str | None = None
    api_key_env: str = Field(
        "OPENAI_API_KEY", description="The environment variable holding the API key."
    )
    emulator: bool = Field(
        False, description="Talk to the local emulator (`reconciler emulator start`), never "
                           "to OpenAI, whatever the environment holds.")


class PruneConfig(Strict):
    """Limits on what a plan may delete."""

    max_delete_percent: int = Field(
        50, ge=0, le=100,
        description="A plan that deletes more than this share of the scope's managed objects "
                    "(or all of them) is refused unless apply is given --allow-mass-delete.")


class ProjectConfig(Strict):
    """The contents of `reconciler.yaml`."""

    manifests: list[str] = Field(
        default_factory=lambda: ["manifests"],
        description="Files, folders or globs (relative to this file) holding manifests.",
    )
    exclude: list[str] = Field(default_factory=list, description="Globs of files to skip.")
    connection: ConnectionConfig = Field(default_factory=ConnectionConfig)
    scope: str | None = Field(
        None, pattern=SCOPE_PATTERN,
        description="Which live objects this project owns, when several repositories share "
                    "one OpenAI project (e.g. support-prod): recorded in every object's "
                    "marks; objects of other scopes are never changed. Required before the "
                    "first apply to OpenAI.")
    prune: PruneConfig = Field(default_factory=PruneConfig)
