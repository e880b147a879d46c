"""Whether a host is this machine's loopback: the emulator's, a test server's, never a
remote API (what may be sent there, and what an error means, differ)."""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    """`localhost`, or a loopback address (IPv6 in brackets too)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
