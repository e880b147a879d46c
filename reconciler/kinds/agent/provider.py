"""`/v1/agents` (Agents API) over the SDK."""

from __future__ import annotations

# imported eagerly, see kinds/assistant/provider.py
import openai.resources.beta.agents  # noqa: F401

from reconciler.provider.sdk import SdkProvider


class AgentProvider(SdkProvider):
    """`/v1/agents` (Agents API, beta)."""

    kind = "Agent"
    path = "beta.agents"
