"""`reconciler.yaml`: project settings at the root of a repository."""

from __future__ import annotations

from pydantic import Field

from reconciler.model.common import Strict


class ConnectionConfig(Strict):
    """Where the API is. The API key is never stored here: it is read from the environment."""

    base_url: str | None = Field(None, description="e.g. http://127.0.0.1:8765/v1")
    organization: str | None = None
    project: str | None = None
    api_key_env: str = Field(
        "OPENAI_API_KEY", description="The environment variable holding the API key."
    )


class ProjectConfig(Strict):
    """The contents of `reconciler.yaml`."""

    manifests: list[str] = Field(
        default_factory=lambda: ["manifests"],
        description="Files, folders or globs (relative to this file) holding manifests.",
    )
    exclude: list[str] = Field(default_factory=list, description="Globs of files to skip.")
    connection: ConnectionConfig = Field(default_factory=ConnectionConfig)
