"""`reconciler ui`: a local, read-only web dashboard over the same code as the commands.

It reads the manifests and the live account (`inventory.take`, `pipeline.make_plan`,
`usage.collect`), explains them, and writes manifest files for an import; it never applies:
git stays the only way to change the live account. It holds no state beyond an in-memory
cache of live reads, which the Refresh button drops.

`workspace` reads and caches, `pages` shapes what each page shows, `charts` draws SVG on the
server, `importing` is the import flow, `security` guards every request (loopback Host,
token cookie, CSRF, headers), and `app` ties them to routes and Jinja2 templates.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
