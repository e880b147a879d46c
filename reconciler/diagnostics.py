"""Diagnostics: problems found in the input, collected (never raised one at a time).

Each diagnostic has a severity, a stable code (documented in the README), a message, and where
it is: file, line, column and the field path inside the document.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Severity(StrEnum):
    """How bad a diagnostic is; errors fail validation, warnings do not."""

    ERROR = "error"
    WARNING = "warning"


class Code(StrEnum):
    """Stable identifiers of every problem the tool reports (`error[CODE]`)."""

    # reading files
    YAML_SYNTAX = "yaml-syntax"
    DUPLICATE_KEY = "duplicate-key"
    NOT_A_MAPPING = "not-a-mapping"
    NO_MANIFESTS = "no-manifests"
    PATH_NOT_FOUND = "path-not-found"
    PATH_OUTSIDE_PROJECT = "path-outside-project"
    NOT_A_REGULAR_FILE = "not-a-regular-file"
    MANIFEST_TOO_LARGE = "manifest-too-large"
    YAML_ENCODING = "yaml-encoding"
    YAML_ALIAS_LIMIT = "yaml-alias-limit"
    YAML_RECURSIVE_ALIAS = "yaml-recursive-alias"
    YAML_UNKNOWN_TAG = "yaml-unknown-tag"
    NUMBER_TOO_LARGE = "number-too-large"
    # envelope and structure
    UNKNOWN_API_VERSION = "unknown-api-version"
    UNKNOWN_KIND = "unknown-kind"
    MISSING_FIELD = "missing-field"
    UNKNOWN_FIELD = "unknown-field"
    INVALID_TYPE = "invalid-type"
    INVALID_VALUE = "invalid-value"
    OUT_OF_RANGE = "out-of-range"
    TOO_LONG = "too-long"
    TOO_MANY = "too-many"
    # across documents
    DUPLICATE_NAME = "duplicate-name"
    UNKNOWN_TEMPLATE = "unknown-template"
    TEMPLATE_CYCLE = "template-cycle"
    MISSING_VARIABLE = "missing-variable"
    EXPANSION_TOO_LARGE = "expansion-too-large"
    UNUSED_VARIABLE = "unused-variable"
    UNKNOWN_TOOL = "unknown-tool"
    DUPLICATE_TOOL = "duplicate-tool"
    TOOL_NOT_SUPPORTED = "tool-not-supported"
    TOOL_PERMISSION_DENIED = "tool-permission-denied"
    INVALID_JSON_SCHEMA = "invalid-json-schema"
    STRICT_MODE = "strict-mode"
    UNKNOWN_MODEL = "unknown-model"
    DEPRECATED_MODEL = "deprecated-model"
    MODEL_SHUT_DOWN = "model-shut-down"
    NO_EFFECT = "no-effect"
    UNSUPPORTED_SETTING = "unsupported-setting"
    DUPLICATE_MODEL = "duplicate-model"
    RESERVED_METADATA_KEY = "reserved-metadata-key"
    UNKNOWN_IGNORE_FIELD = "unknown-ignore-field"
    NO_ASSISTANTS = "no-assistants"
    # repository files and vector stores
    MISSING_FILE = "missing-file"
    FILE_TOO_LARGE = "file-too-large"
    UNKNOWN_VECTOR_STORE = "unknown-vector-store"
    UNUSED_VECTOR_STORE = "unused-vector-store"
    UNSUPPORTED_FILE_TYPE = "unsupported-file-type"
    EMPTY_FILE = "empty-file"
    # planning against the live account
    SCOPE_CONFLICT = "scope-conflict"
    ADOPT_NOT_FOUND = "adopt-not-found"
    ADOPT_TAKEN = "adopt-taken"
    UNKNOWN_ADDRESS = "unknown-address"
    PREVENT_DESTROY = "prevent-destroy"
    MISSING_DEPENDENCY = "missing-dependency"
    # policies
    INVALID_POLICY_EXPRESSION = "invalid-policy-expression"
    POLICY_VIOLATION = "policy-violation"
    POLICY_EVALUATION_ERROR = "policy-evaluation-error"


class Location(BaseModel):
    """A place in a file; line and column are 1-based."""

    model_config = ConfigDict(frozen=True)

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


class Diagnostic(BaseModel):
    """One problem, with where it is and, when we can tell, how to fix it."""

    model_config = ConfigDict(frozen=True)

    severity: Severity
    code: Code
    message: str
    location: Location | None = None
    path: str | None = None
    hint: str | None = None

    def sort_key(self) -> tuple[str, int, int, str]:
        loc = self.location
        if loc is None:
            return ("", 0, 0, self.message)
        return (loc.file, loc.line or 0, loc.column or 0, self.message)


def format_path(path: Iterable[str | int]) -> str:
    """Render a field path the way users write it: `spec.tools[2].function.name`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


MAX_PER_FILE = 200
"""Diagnostics kept for one file: a hostile file could otherwise make hundreds of thousands
(and hundreds of megabytes of output); the rest are counted in `suppressed`."""


class Diagnostics:
    """An ordered, de-duplicated collection of diagnostics, at most MAX_PER_FILE a file."""

    def __init__(self, items: Iterable[Diagnostic] = ()) -> None:
        self._items: list[Diagnostic] = []
        self._seen: set[Diagnostic] = set()
        self._per_file: dict[str, int] = {}
        self.suppressed: dict[str, int] = {}
        """Per file, the diagnostics dropped over the limit (errors among them keep the
        count of errors right)."""
        self._suppressed_errors = 0
        for item in items:
            self.add(item)

    def add(self, diagnostic: Diagnostic) -> None:
        if diagnostic in self._seen:
            return
        file = diagnostic.location.file if diagnostic.location else ""
        if self._per_file.get(file, 0) >= MAX_PER_FILE:
            self.suppressed[file] = self.suppressed.get(file, 0) + 1
            self._suppressed_errors += diagnostic.severity is Severity.ERROR
            return
        self._per_file[file] = self._per_file.get(file, 0) + 1
        self._seen.add(diagnostic)
        self._items.append(diagnostic)

    def extend(self, other: Iterable[Diagnostic]) -> None:
        for item in other:
            self.add(item)

    def error(self, code: Code, message: str, location: Location | None = None, *,
              path: str | None = None, hint: str | None = None) -> None:
        self.add(Diagnostic(severity=Severity.ERROR, code=code, message=message,
                            location=location, path=path, hint=hint))

    def warning(self, code: Code, message: str, location: Location | None = None, *,
                path: str | None = None, hint: str | None = None) -> None:
        self.add(Diagnostic(severity=Severity.WARNING, code=code, message=message,
                            location=location, path=path, hint=hint))

    def count_errors(self) -> int:
        return sum(1 for d in self._items if d.severity is Severity.ERROR) + (
            self._suppressed_errors)

    def count_warnings(self) -> int:
        return sum(1 for d in self._items if d.severity is Severity.WARNING)

    @property
    def has_errors(self) -> bool:
        return self.count_errors() > 0

    def sorted(self) -> list[Diagnostic]:
        return sorted(self._items, key=Diagnostic.sort_key)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)
