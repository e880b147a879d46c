"""A beta API's header: the requests under a path prefix must carry `OpenAI-Beta: VALUE`,
as OpenAI's do. A resource module that serves a beta API exports one as `BETA`."""

from __future__ import annotations

from typing import NamedTuple


class BetaHeader(NamedTuple):
    prefix: str
    value: str
    name: str
    """The API's name, in the refusal's message."""
