"""The `Template` kind: defaults and parameterised instructions that assistants and agents
start from."""

from __future__ import annotations

from reconciler.kinds.template.model import TemplateManifest
from reconciler.model.kindspec import KindSpec

KIND = KindSpec(kind="Template", manifest=TemplateManifest,
                index="reconciler.kinds.template.index:index",
                indexed="reconciler.kinds.template.index:indexed", plural="templates")
