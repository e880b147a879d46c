"""The emulator's single list of resource modules: each exports its `ROUTES` (and, for a
beta API, its `BETA` header). The application, its middleware and the coverage test all
read this list, so a new resource module is served, gated and checked once it is here."""

from __future__ import annotations

from types import ModuleType

from starlette.routing import Route

from openai_emulator import agents, assistants, files, search, sessions, usage, vector_stores
from openai_emulator.beta import BetaHeader

RESOURCES: tuple[ModuleType, ...] = (assistants, sessions, agents, files, vector_stores,
                                     search, usage)
"""In the order their routes are tried: sessions before agents (`/v1/agents/{agent_id}`
would take `/v1/agents/sessions`)."""


def api_routes() -> list[Route]:
    """Every `/v1` route, in order."""
    return [route for module in RESOURCES for route in module.ROUTES]


def beta_headers() -> list[BetaHeader]:
    """The beta headers the resource modules require."""
    return [module.BETA for module in RESOURCES if isinstance(getattr(module, "BETA", None),
                                                               BetaHeader)]
