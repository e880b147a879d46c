"""Whether a host is this machine's loopback (the emulator listens on loopback by default
and, when it does, refuses requests whose Host header names another machine)."""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    """Whether a host name or address is this machine's loopback."""
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
