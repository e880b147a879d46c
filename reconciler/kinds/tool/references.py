"""Tools as referenced by assistants and agents: lookup, API support, permissions, and the
translation of a manifest's tool into the definition each API expects."""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter

from reconciler import kinds
from reconciler.diagnostics import Code, Diagnostics, Location, format_path
from reconciler.kinds.tool.model import AnyBuiltin, ToolPermissions
from reconciler.manifests import structure
from reconciler.manifests.jsonschema_rules import parameters_problems, strict_problems
from reconciler.manifests.loader import SourceDocument
from reconciler.manifests.structure import did_you_mean
from reconciler.manifests.templates import Provenance
from reconciler.model.common import LabelSelector
from reconciler.model.kindspec import ToolDialect, load

AGENT_ONLY_FUNCTION_OPTIONS = ("defer_loading", "async")
_BUILTIN = TypeAdapter(AnyBuiltin)


@dataclass(frozen=True)
class ToolEntry:
    """A Tool manifest as loaded."""

    name: str
    spec: Any
    """The validated spec (a pydantic model of one tool type)."""
    doc: SourceDocument

    @property
    def type(self) -> str:
        return str(self.spec.type)

    def function_name(self) -> str:
        """The function name the model sees (defaults to the manifest name)."""
        return str(self.spec.function.name or self.name)


def selector_matches(selector: LabelSelector, labels: Mapping[str, str]) -> bool:
    """Return whether labels satisfy a Kubernetes-style label selector."""
    return selector.matches(labels)


def describe_selector(selector: LabelSelector) -> str:
    """Render a selector as `team=support, tier in (gold, silver)`."""
    parts = [f"{k}={v}" for k, v in selector.matchLabels.items()]
    for req in selector.matchExpressions:
        if req.operator in ("In", "NotIn"):
            op = "in" if req.operator == "In" else "notin"
            parts.append(f"{req.key} {op} ({', '.join(req.values)})")
        else:
            parts.append(req.key if req.operator == "Exists" else f"!{req.key}")
    return ", ".join(parts) or "(everything)"


def check_selector(permissions: ToolPermissions | None, doc: SourceDocument,
                   diagnostics: Diagnostics) -> None:
    """Report requirements whose `values` do not fit their operator."""
    if permissions is None:
        return
    for i, req in enumerate(permissions.selector.matchExpressions):
        wants_values = req.operator in ("In", "NotIn")
        if wants_values != bool(req.values):
            need = "needs at least one value" if wants_values else "takes no values"
            diagnostics.error(
                Code.INVALID_VALUE, f"operator {req.operator} {need}",
                doc.locate(("spec", "permissions", "selector", "matchExpressions", i)),
                path=f"spec.permissions.selector.matchExpressions[{i}]")


@dataclass
class ResolvedTools:
    """API tool definitions of one resource, and the Tool manifests it uses."""

    definitions: list[dict[str, Any]]
    names: tuple[str, ...]


def resolve_tools(
    kind: str, address: str, items: list[Any], provenance: Provenance,
    labels: Mapping[str, str], tools: Mapping[str, ToolEntry], diagnostics: Diagnostics,
    *, invalid: Set[str] = frozenset(),
) -> ResolvedTools:
    """Turn a resource's `tools` list into API definitions, reporting every problem.

    Names in `invalid` are Tool manifests that failed validation (already reported).
    """
    definitions: list[dict[str, Any]] = []
    names: list[str] = []
    seen: dict[tuple[str, str], int] = {}
    for index, item in enumerate(items):
        location = provenance.locate(("tools", index))
        path = f"spec.tools[{index}]"
        if isinstance(item, str) and item in invalid:
            continue
        if isinstance(item, str):
            definition = _referenced(kind, address, item, location, path, labels, tools,
                                     diagnostics)
            if definition is not None:
                names.append(item)
        else:
            definition = _inline(kind, item, location, path, diagnostics)
        if definition is None:
            continue
        key = _identity(definition)
        if key in seen:
            diagnostics.error(Code.DUPLICATE_TOOL,
                              f"{key[0]} '{key[1]}' is listed twice (also at tools[{seen[key]}])",
                              location, path=path)
            continue
        seen[key] = index
        definitions.append(definition)
    return ResolvedTools(definitions, tuple(names))


def _referenced(
    kind: str, address: str, name: str, location: Location, path: str,
    labels: Mapping[str, str], tools: Mapping[str, ToolEntry], diagnostics: Diagnostics,
) -> dict[str, Any] | None:
    entry = tools.get(name)
    if entry is None:
        diagnostics.error(Code.UNKNOWN_TOOL, f"no Tool manifest is named '{name}'", location,
                          path=path, hint=did_you_mean(name, tools))
        return None
    ok = _supported(kind, entry.type, f"tool '{name}' is a {entry.type} tool", location, path,
                    diagnostics)
    permissions = getattr(entry.spec, "permissions", None)
    if permissions is not None and not selector_matches(permissions.selector, labels):
        shown = ", ".join(f"{k}={v}" for k, v in sorted(labels.items())) or "no labels"
        diagnostics.error(
            Code.TOOL_PERMISSION_DENIED,
            f"{address} may not use tool '{name}': its labels ({shown}) do not match the "
            f"tool's selector ({describe_selector(permissions.selector)})",
            location, path=path,
            hint=f"the tool's permissions are at {entry.doc.locate(('spec', 'permissions'))}")
        ok = False
    dialect = _dialect(kind)
    if entry.type == "function" and dialect.agent_only_function_options:
        function = entry.spec.function
        for option in AGENT_ONLY_FUNCTION_OPTIONS:
            value = getattr(function, "async_" if option == "async" else option)
            if value:
                diagnostics.error(
                    Code.TOOL_NOT_SUPPORTED,
                    f"tool '{name}' sets function.{option}, which only the Agents API "
                    "supports", location, path=path,
                    hint=f"set at {entry.doc.locate(('spec', 'function', option))}")
                ok = False
    if not ok:
        return None
    if entry.type == "function":
        return load(dialect.function)(entry.spec, entry.function_name())  # type: ignore[no-any-return]
    return load(dialect.builtin)(entry.spec)  # type: ignore[no-any-return]


def _inline(kind: str, item: Any, location: Location, path: str,
            diagnostics: Diagnostics) -> dict[str, Any] | None:
    tool = _BUILTIN.validate_python(item)
    if not _supported(kind, tool.type, f"the inline {tool.type} tool", location, path,
                      diagnostics):
        return None
    return load(_dialect(kind).builtin)(tool)  # type: ignore[no-any-return]


def _supported(kind: str, tool_type: str, what: str, location: Location, path: str,
               diagnostics: Diagnostics) -> bool:
    dialect = _dialect(kind)
    if tool_type in dialect.types:
        return True
    diagnostics.error(
        Code.TOOL_NOT_SUPPORTED, f"{what}, which the {dialect.api_name} does not support",
        location, path=path,
        hint=f"{kind} supports: {', '.join(dialect.types)}")
    return False


def _dialect(kind: str) -> ToolDialect:
    dialect = kinds.get(kind).tools
    if dialect is None:
        raise AssertionError(f"{kind} has no tools")
    return dialect


def _identity(definition: dict[str, Any]) -> tuple[str, str]:
    kind = definition["type"]
    if kind == "function":
        name = definition.get("name") or definition["function"]["name"]
        return ("function", name)
    if kind == "mcp":
        return ("mcp server", definition["server_label"])
    return ("built-in tool", kind)


def check_tool(entry: ToolEntry, diagnostics: Diagnostics) -> None:
    doc = entry.doc
    check_selector(getattr(entry.spec, "permissions", None), doc, diagnostics)
    if entry.type != "function":
        return
    function = entry.spec.function
    if function.name is None and not structure.FUNCTION_NAME.match(entry.name):
        diagnostics.error(
            Code.INVALID_VALUE, f"the function name defaults to the manifest name "
            f"'{entry.name}', which is not a valid function name",
            doc.locate(("metadata", "name")), path="metadata.name",
            hint="set spec.function.name (letters, digits, '_' and '-')")
    base = ("spec", "function", "parameters")
    for path, message in parameters_problems(function.parameters):
        diagnostics.error(Code.INVALID_JSON_SCHEMA, message, doc.locate(base + path),
                          path=format_path(base + path))
    if function.strict and function.parameters is not None:
        for path, message in strict_problems(function.parameters):
            diagnostics.error(Code.STRICT_MODE, message, doc.locate(base + path),
                              path=format_path(base + path))
