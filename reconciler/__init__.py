"""assistants-reconciler: keep OpenAI assistants and agents in git, plan and apply them."""

from __future__ import annotations

__version__ = "0.1.0"

API_VERSION = "reconciler/v1"
