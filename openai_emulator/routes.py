"""The emulator's single list of resource modules (`openai_emulator.resources`): each exports
its `ROUTES` and, as it needs, its `BETA` header, its `BODY_LIMITS` and its `ADMIN_ROUTES`
(see `infra.contract`). `api()` gathers them into the `Api` the application is built from;
the app, its middleware (the gate) and the coverage test all read this list, so a new resource
module is served, gated and checked once it is here.

It sits above the resources, which sit above the infrastructure (`openai_emulator.infra`):
the infrastructure learns what to serve from here, at start, and imports no resource.
"""

from __future__ import annotations

from types import ModuleType

from starlette.routing import Route

from openai_emulator.infra.contract import Api, BetaHeader, BodyLimit
from openai_emulator.resources import (
    agents,
    assistants,
    files,
    models,
    search,
    seed,
    sessions,
    usage,
    vector_stores,
)

RESOURCES: tuple[ModuleType, ...] = (models, assistants, sessions, agents, files, vector_stores,
                                     search, usage, seed)
"""In the order their routes are tried: sessions before agents (`/v1/agents/{agent_id}`
would take `/v1/agents/sessions`)."""


def api_routes() -> list[Route]:
    """Every `/v1` route, in order."""
    return [route for module in RESOURCES for route in module.ROUTES]


def beta_headers() -> list[BetaHeader]:
    """The beta headers the resource modules require."""
    return [module.BETA for module in RESOURCES if isinstance(getattr(module, "BETA", None),
                                                               BetaHeader)]


def body_limits() -> dict[tuple[str, str], BodyLimit]:
    """The body limits the resource modules give their routes, by (method, path)."""
    limits: dict[tuple[str, str], BodyLimit] = {}
    for module in RESOURCES:
        for key, limit in getattr(module, "BODY_LIMITS", {}).items():
            if key in limits:
                raise ValueError(f"two resource modules limit the body of {key}")
            limits[key] = limit
    return limits


def admin_routes() -> list[Route]:
    """The resource modules' own `/admin` endpoints."""
    return [route for module in RESOURCES for route in getattr(module, "ADMIN_ROUTES", [])]


def api() -> Api:
    """All the resource modules export, for `infra.app.build_app`."""
    return Api(routes=api_routes(), betas=beta_headers(), body_limits=body_limits(),
               admin_routes=admin_routes())
