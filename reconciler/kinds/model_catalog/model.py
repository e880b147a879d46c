"""The `ModelCatalog` kind: the models a team allows, with hand-filled facts about them."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from reconciler.model.common import V1, ObjectMeta, Strict


class Pricing(Strict):
    """Prices per million tokens."""

    input_per_1m_tokens: float | None = Field(None, ge=0)
    cached_input_per_1m_tokens: float | None = Field(None, ge=0)
    output_per_1m_tokens: float | None = Field(None, ge=0)
    currency: str = "USD"


class Deprecation(Strict):
    """When a model was deprecated and when it shuts down."""

    announced_on: dt.date | None = None
    shutdown_on: dt.date | None = None
    replacement: str | None = Field(None, description="The model to move to.")
    note: str | None = None


class CatalogModel(Strict):
    """One model the manifests may use."""

    id: str = Field(min_length=1, description="The API model ID, e.g. `gpt-4o`.")
    name: str | None = None
    description: str | None = None
    capabilities: list[str] = Field(
        default_factory=list,
        description="Free-form capability tags, e.g. tools, vision, json_schema, reasoning.",
    )
    reasoning_efforts: list[str] | None = Field(
        None, description="The `reasoning.effort` values it accepts, for a reasoning model "
                          "(`models upgrade` flags others).")
    context_window: int | None = Field(None, gt=0)
    max_output_tokens: int | None = Field(None, gt=0)
    pricing: Pricing | None = None
    deprecation: Deprecation | None = Field(
        None, description="Set when the model is deprecated: plans and validation warn."
    )
    available: bool = Field(
        True, description="False when the API no longer lists the model (`models sync`)."
    )
    owned_by: str | None = None
    created: int | None = None


class ModelCatalogSpec(Strict):
    """The catalog: when one exists, assistants and agents must use a model listed here."""

    models: list[CatalogModel] = Field(default_factory=list)


class ModelCatalogManifest(Strict):
    """The models the manifests may use."""

    apiVersion: V1
    kind: Literal["ModelCatalog"]
    metadata: ObjectMeta
    spec: ModelCatalogSpec
