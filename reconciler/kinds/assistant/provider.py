"""`/v1/assistants` (Assistants API v2) over the SDK."""

from __future__ import annotations

# The SDK imports its resources lazily, on the first request; importing it here keeps that
# one-time cost (about 0.3 s) out of planning.
import openai.resources.beta.assistants  # noqa: F401

from reconciler.provider.sdk import SdkProvider


class AssistantProvider(SdkProvider):
    """`/v1/assistants` (Assistants API v2)."""

    kind = "Assistant"
    path = "beta.assistants"
