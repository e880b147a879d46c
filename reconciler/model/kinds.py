"""The envelope of every manifest and the registry of kinds and API versions."""

from __future__ import annotations

from typing import Literal

from reconciler import API_VERSION
from reconciler.model.agent import AgentSpec
from reconciler.model.assistant import AssistantSpec
from reconciler.model.catalog import ModelCatalogSpec
from reconciler.model.common import ObjectMeta, Strict
from reconciler.model.template import TemplateSpec
from reconciler.model.tools import ToolSpec
from reconciler.model.vector_store import VectorStoreSpec

V1 = Literal["reconciler/v1"]


class AssistantManifest(Strict):
    """An OpenAI assistant (Assistants API v2, `/v1/assistants`)."""

    apiVersion: V1
    kind: Literal["Assistant"]
    metadata: ObjectMeta
    spec: AssistantSpec


class AgentManifest(Strict):
    """An OpenAI reusable agent (Agents API, `/v1/agents`)."""

    apiVersion: V1
    kind: Literal["Agent"]
    metadata: ObjectMeta
    spec: AgentSpec


class ToolManifest(Strict):
    """A tool that assistants and agents reference by name."""

    apiVersion: V1
    kind: Literal["Tool"]
    metadata: ObjectMeta
    spec: ToolSpec


class TemplateManifest(Strict):
    """Reusable defaults and parameterised instructions."""

    apiVersion: V1
    kind: Literal["Template"]
    metadata: ObjectMeta
    spec: TemplateSpec


class ModelCatalogManifest(Strict):
    """The models the manifests may use."""

    apiVersion: V1
    kind: Literal["ModelCatalog"]
    metadata: ObjectMeta
    spec: ModelCatalogSpec


class VectorStoreManifest(Strict):
    """A vector store for file_search, with the repository files it indexes."""

    apiVersion: V1
    kind: Literal["VectorStore"]
    metadata: ObjectMeta
    spec: VectorStoreSpec


KINDS: dict[str, type[Strict]] = {
    "Assistant": AssistantManifest,
    "Agent": AgentManifest,
    "Tool": ToolManifest,
    "Template": TemplateManifest,
    "ModelCatalog": ModelCatalogManifest,
    "VectorStore": VectorStoreManifest,
}
"""Manifest model of each kind, for the one API version that exists."""

API_VERSIONS = (API_VERSION,)
RESOURCE_KINDS = ("VectorStore", "Assistant", "Agent")
"""Kinds that become live objects."""
