"""Whether the dashboard's browser tests can run here: the system's Chromium (Debian's
`chromium`, driven by Playwright; nothing is downloaded) and the playwright package.

Kept apart from the fixtures so that the suite's root conftest can say, at the end of every
run (in the main process of a parallel run too), that the browser tests were skipped.
"""

from __future__ import annotations

import os

CHROMIUM = os.environ.get("RECONCILER_CHROMIUM", "/usr/bin/chromium")
BROWSER_SKIP = ("browser tests skipped: Chromium is not installed at " + CHROMIUM + "; "
                "install Debian's package (apt-get install chromium: .ci/run does it as root "
                "or with sudo) and run `make test` again")


def browser_missing() -> str | None:
    """Why the browser tests cannot run here (None: they can)."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return BROWSER_SKIP
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "browser tests skipped: playwright is not installed (pip install -e '.[test]')"
    return None
