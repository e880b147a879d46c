"""`reconciler.yaml`: project settings at the root of a repository."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from reconciler.model.common import LabelKey, LabelSelector, LabelValue, Strict
from reconciler.ownership import SCOPE_PATTERN

ENVIRONMENT_PATTERN = r"^[a-z][a-z0-9-]{0,30}$"
EnvironmentName = Annotated[str, Field(pattern=ENVIRONMENT_PATTERN)]
VarValues = dict[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")],
                 str | int | float | bool]


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


class ModelWindows(Strict):
    """How close a model's shutdown may come before plans warn, and before they refuse."""

    block_within_days: int | None = Field(
        None, ge=0, le=3650,
        description="A plan that creates a resource on a model shutting down within this "
                    "many days, or moves one onto it, is an error (default 14).")
    warn_within_days: int | None = Field(
        None, ge=0, le=3650,
        description="Resources on a model shutting down within this many days get a warning "
                    "with the days left and the replacement (default 90).")

    def over(self, base: ModelWindows) -> ModelWindows:
        """These windows, with what they leave unset taken from `base`."""
        return ModelWindows(
            block_within_days=(self.block_within_days if self.block_within_days is not None
                               else base.block_within_days),
            warn_within_days=(self.warn_within_days if self.warn_within_days is not None
                              else base.warn_within_days))

    @property
    def block(self) -> int:
        return 14 if self.block_within_days is None else self.block_within_days

    @property
    def warn(self) -> int:
        return 90 if self.warn_within_days is None else self.warn_within_days


class Override(Strict):
    """In one environment, fields set on every assistant and agent a selector picks (merged
    as templates are: scalars replace, maps merge, lists replace)."""

    selector: LabelSelector = Field(
        description="The assistants and agents it applies to, by their (merged) labels.")
    spec: dict[str, Any] = Field(
        description="The fields to set, as in a manifest's spec (e.g. {model: gpt-4o-mini}).")


class EnvironmentConfig(Strict):
    """One environment (dev, staging, prod): where it lives and what differs there."""

    scope: str | None = Field(
        None, pattern=SCOPE_PATTERN,
        description="Its scope (default: the top-level scope). Each environment should have "
                    "its own when several share an OpenAI project.")
    connection: ConnectionConfig | None = Field(
        None, description="Its connection (default: the top-level connection).")
    vars: VarValues = Field(
        default_factory=dict,
        description="Values for `{{ variable }}` placeholders, over the templates' and the "
                    "resources' own.")
    labels: dict[LabelKey, LabelValue] = Field(
        default_factory=dict, description="Labels added to every assistant and agent.")
    overrides: list[Override] = Field(default_factory=list)
    models: ModelWindows | None = Field(
        None, description="Its retirement windows, over the top-level `models:`.")


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
    models: ModelWindows = Field(
        default_factory=ModelWindows,
        description="Model retirement: when plans warn of a model's shutdown and when they "
                    "refuse to move a resource onto it (per environment under "
                    "`environments.NAME.models`).")
    environments: dict[EnvironmentName, EnvironmentConfig] = Field(
        default_factory=dict,
        description="Named environments (dev, staging, prod), each chosen with --env NAME or "
                    "RECONCILER_ENV; with any, every command that plans needs one.")
