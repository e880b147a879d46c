"""Keys never appear in output, plans, logs or files.

A key can reach the tool in the environment, or inside a base URL (`https://user:KEY@host/v1`,
`...?api-key=KEY`). URLs are shown and stored only as `redact_url` gives them (no userinfo,
query or fragment); every secret value seen is also remembered, and `redact` removes it from
any text the CLI prints on its error paths (messages, `--debug` tracebacks, crashes), as a
second line of defence.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote, urlsplit, urlunsplit

MASK = "***"
MIN_SECRET = 8
"""Shorter values are not masked in text (a placeholder such as `x` would mask every x);
they are still never written, since URLs are shown without their credentials."""

_known: set[str] = set()


def remember(*values: str | None) -> None:
    """Mask these values in every text `redact` sees from now on."""
    _known.update(v for v in values if v and len(v) >= MIN_SECRET)


def redact(text: str) -> str:
    """`text` with every remembered secret masked, longest first."""
    for secret in sorted(_known, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def url_secrets(url: str) -> list[str]:
    """The parts of a URL that may hold a credential: userinfo and query values."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return [url]
    params = parts.path.partition(";")[2]
    found = [parts.username, parts.password, *(v for _, v in parse_qsl(parts.query)),
             params, *(v for _, v in parse_qsl(params))]
    found += [unquote(v) for v in found if v]
    found += [parts.netloc.rpartition("@")[0]] if "@" in parts.netloc else []
    return [v for v in found if v]


def redact_url(url: str) -> str:
    """The URL without userinfo, `;` parameters, query and fragment: what may be shown or
    stored."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port is not None else ""
    except ValueError:
        return "(an invalid URL)"
    shown = f"[{host}]" if ":" in host else host
    return urlunsplit((parts.scheme, shown + port, parts.path.partition(";")[0], "", ""))
