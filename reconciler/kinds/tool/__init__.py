"""The `Tool` kind: a tool that assistants and agents reference by name (never a live object:
its definition is sent inside each of them)."""

from __future__ import annotations

from reconciler.kinds.tool.model import ToolManifest
from reconciler.model.kindspec import KindSpec

KIND = KindSpec(kind="Tool", manifest=ToolManifest,
                index="reconciler.kinds.tool.index:index", import_folder="tools",
                plural="tools")
