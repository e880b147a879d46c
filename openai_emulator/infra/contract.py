"""What a resource module exports for the infrastructure to serve it, and `Api`, all of it
together: the registry (`openai_emulator.routes`) builds one from its list of resource
modules, and the app (`app.build_app`) is built from it, so the infrastructure imports no
resource module.

A resource module exports `ROUTES`, its `/v1` routes in the order they are tried, and, as it
needs:

- `BETA`: a `BetaHeader`, the requests under a path prefix must carry `OpenAI-Beta: VALUE`,
  as OpenAI's do;
- `BODY_LIMITS`: `{(method, path): BodyLimit}`, the largest body a route takes when it is not
  the JSON limit (`Settings.max_json_bytes`), e.g. an upload;
- `ADMIN_ROUTES`: endpoints of its own under `/admin` (outside `/v1`: not counted, gated as
  the admin API is).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from starlette.routing import Route

from openai_emulator.infra.state import Settings


class BetaHeader(NamedTuple):
    prefix: str
    value: str
    name: str
    """The API's name, in the refusal's message."""


BodyLimit = Callable[[Settings], int]
"""The most bytes a route's request body may have, given the settings (the gate refuses a
longer one with 413, before reading it or as soon as it has arrived)."""


@dataclass(frozen=True)
class Api:
    """Everything the resource modules export, as the app and its gate read it."""

    routes: list[Route]
    """Every `/v1` route, in the order they are tried."""
    betas: list[BetaHeader]
    body_limits: dict[tuple[str, str], BodyLimit]
    """By (method, exact path); any other request may have `Settings.max_json_bytes`."""
    admin_routes: list[Route]
    """The resources' own `/admin` endpoints, after the app's (health, faults, stats, reset)."""
