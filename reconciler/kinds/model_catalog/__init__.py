"""The `ModelCatalog` kind: the models the manifests may use."""

from __future__ import annotations

from reconciler.kinds.model_catalog.model import ModelCatalogManifest
from reconciler.model.kindspec import KindSpec

KIND = KindSpec(kind="ModelCatalog", manifest=ModelCatalogManifest,
                index="reconciler.kinds.model_catalog.index:index", plural="model catalogs")
