"""The `Policy` kind: rules (CEL expressions) every resource and every planned change must
meet. Never a live object: `validate` checks the resources, plan and apply the changes."""

from __future__ import annotations

from reconciler.kinds.policy.model import PolicyManifest
from reconciler.model.kindspec import KindSpec

KIND = KindSpec(kind="Policy", manifest=PolicyManifest,
                index="reconciler.kinds.policy.index:index", plural="policies")
