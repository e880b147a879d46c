"""Pieces shared by every kind: the strict base model, names, labels, metadata, lifecycle."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from reconciler.ownership import RESERVED_KEY_PATTERN, USER_METADATA_LIMIT

V1 = Literal["reconciler/v1"]
"""The one API version of the manifest language."""
API_METADATA_KEYS = 16
"""The API's limit on metadata keys of one object."""


class Strict(BaseModel):
    """Base of every manifest model: unknown fields are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_by_alias=True,
                              validate_by_name=False)


NAME_PATTERN = r"^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$"

Name = Annotated[
    str,
    StringConstraints(pattern=NAME_PATTERN),
    Field(description="A manifest name: 1-63 lowercase letters, digits, '-', '_' or '.', "
                      "starting and ending with a letter or digit."),
]

LABEL_KEY_PATTERN = r"^[A-Za-z0-9]([A-Za-z0-9._/-]{0,126}[A-Za-z0-9])?$"
LABEL_VALUE_PATTERN = r"^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$"
LabelKey = Annotated[str, StringConstraints(pattern=LABEL_KEY_PATTERN)]
LabelValue = Annotated[str, StringConstraints(pattern=LABEL_VALUE_PATTERN)]

MetadataKey = Annotated[str, StringConstraints(min_length=1, max_length=64)]
MetadataValue = Annotated[str, StringConstraints(max_length=512)]


def _metadata_schema(schema: dict[str, Any]) -> None:
    """Forbid the reconciler's reserved keys in user metadata (schema side of the rule)."""
    target = schema
    for option in schema.get("anyOf", []):
        if option.get("type") == "object":
            target = option
    names = target.setdefault("propertyNames", {})
    names["not"] = {"pattern": RESERVED_KEY_PATTERN}


def _no_reserved_keys(value: dict[str, str]) -> dict[str, str]:
    """The model side of the rule the schema states with `propertyNames`."""
    reserved = [k for k in value if re.match(RESERVED_KEY_PATTERN, k)]
    if reserved:
        raise ValueError(f"reserved metadata keys: {', '.join(reserved)}")
    return value


Metadata = Annotated[
    Annotated[dict[MetadataKey, MetadataValue], Field(max_length=USER_METADATA_LIMIT)],
    AfterValidator(_no_reserved_keys),
    Field(
        description=(
            f"Key-value pairs stored on the live object (the API allows {API_METADATA_KEYS}; "
            f"{API_METADATA_KEYS - USER_METADATA_LIMIT} are reserved for ownership, so at most "
            f"{USER_METADATA_LIMIT} here). Keys up to 64, values up to 512 characters."
        ),
        json_schema_extra=_metadata_schema,
    ),
]


class ObjectMeta(Strict):
    """Identity of a manifest: its name and the labels used by tool permissions."""

    name: Name
    labels: dict[LabelKey, LabelValue] = Field(
        default_factory=dict,
        description="Labels for selection (tool permissions, targets). Not sent to the API.",
    )
    annotations: dict[str, str] = Field(
        default_factory=dict,
        description="Free-form notes for humans and tools. Not sent to the API.",
    )


class Lifecycle(Strict):
    """How the reconciler may change the live object."""

    prevent_destroy: bool = Field(
        False, description="Fail any plan that would delete or replace the live object."
    )
    ignore_changes: list[str] = Field(
        default_factory=list,
        description="Fields whose live value is kept as it is (e.g. `instructions`, "
                    "`metadata.owner`, or `all`).",
    )


class SelectorRequirement(Strict):
    """One label requirement, as in Kubernetes label selectors."""

    key: LabelKey
    operator: Literal["In", "NotIn", "Exists", "DoesNotExist"]
    values: list[LabelValue] = Field(default_factory=list)


class LabelSelector(Strict):
    """Labels an assistant or agent must carry (all conditions must hold)."""

    matchLabels: dict[LabelKey, LabelValue] = Field(default_factory=dict)
    matchExpressions: list[SelectorRequirement] = Field(default_factory=list)

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether `labels` satisfy it (Kubernetes' rules)."""
        if any(labels.get(k) != v for k, v in self.matchLabels.items()):
            return False
        for req in self.matchExpressions:
            present = req.key in labels
            if req.operator == "In" and not (present and labels[req.key] in req.values):
                return False
            if req.operator == "NotIn" and present and labels[req.key] in req.values:
                return False
            if req.operator == "Exists" and not present:
                return False
            if req.operator == "DoesNotExist" and present:
                return False
        return True
