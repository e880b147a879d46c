"""Templates: resolve `extends` chains, merge defaults into resources, fill in variables.

Merge rule, from the root template to the resource: scalars override, maps merge deeply,
lists replace. Every merged value remembers which document and field it came from
(`Provenance`), so a problem in the result points at the line that supplied the value.

Placeholders are filled in once (a variable's value is not searched for more) and against a
length budget, `MAX_EXPANDED_LENGTH`, computed before the text is built: manifests come from
pull requests, and `{{ x }}` written ten thousand times with a long `x` must not allocate
gigabytes.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.diagnostics import Code, Diagnostics, Location
from reconciler.manifests.loader import FieldPath, SourceDocument
from reconciler.manifests.structure import did_you_mean

TEMPLATE_ONLY = ("extends", "labels", "vars")
RESOURCE_ONLY = ("template", "vars")
SUBSTITUTED_FIELDS = ("name", "description", "instructions")
PLACEHOLDER = re.compile(r"(\\?)\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
MAX_EXPANDED_LENGTH = 1_000_000
"""Characters a field may have once filled in. The API takes at most 256,000 (instructions), so
no working manifest comes near; the `too-long` checks that follow report what lies between."""


class ExpansionTooLarge(ValueError):
    """Filling a text in would make it longer than the limit; nothing was built."""

    def __init__(self, length: int, used: set[str]) -> None:
        super().__init__(f"the filled-in text would have {length:,} characters")
        self.length = length
        self.used = used


@dataclass(frozen=True)
class Origin:
    """Where a merged value came from: a document and the field path inside it."""

    doc: SourceDocument
    path: FieldPath


@dataclass
class Provenance:
    """Maps each field path of a merged spec to the document field that supplied it."""

    origins: dict[FieldPath, Origin] = field(default_factory=dict)
    children: dict[FieldPath, set[FieldPath]] = field(default_factory=dict)
    """The recorded paths one level below each path: replacing a value forgets its subtree
    in time proportional to the subtree, not to every path recorded."""

    def record(self, path: FieldPath, origin: Origin) -> None:
        """Record the contributor of a replaced value; what was below it is forgotten."""
        below = list(self.children.pop(path, ()))
        while below:
            old = below.pop()
            del self.origins[old]
            below.extend(self.children.pop(old, ()))
        self.touch(path, origin)

    def touch(self, path: FieldPath, origin: Origin) -> None:
        """Record the latest contributor of a merged map, keeping its children's origins."""
        if path and path not in self.origins:
            self.children.setdefault(path[:-1], set()).add(path)
        self.origins[path] = origin

    def origin(self, path: FieldPath) -> Origin:
        """Return the origin of `path`: that of its longest recorded prefix, extended."""
        for size in range(len(path), -1, -1):
            found = self.origins.get(path[:size])
            if found is not None:
                return Origin(found.doc, found.path + path[size:])
        raise KeyError(path)

    def locate(self, path: FieldPath) -> Location:
        origin = self.origin(path)
        return origin.doc.locate(origin.path)


@dataclass(frozen=True)
class TemplateEntry:
    """A Template manifest as loaded: its name, spec data and document."""

    name: str
    spec: Mapping[str, Any]
    doc: SourceDocument


def check_templates(templates: Mapping[str, TemplateEntry], diagnostics: Diagnostics) -> set[str]:
    """Report unknown `extends` targets and cycles; return the names of broken templates."""
    broken: set[str] = set()
    reported_cycles: set[frozenset[str]] = set()
    for name in sorted(templates):
        chain = [name]
        current = templates[name]
        while (parent := current.spec.get("extends")) is not None:
            if parent not in templates:
                broken.add(name)
                if len(chain) == 1:
                    diagnostics.error(
                        Code.UNKNOWN_TEMPLATE, f"template '{name}' extends unknown template "
                        f"'{parent}'", current.doc.locate(("spec", "extends")),
                        path="spec.extends", hint=did_you_mean(parent, templates))
                break
            if parent in chain:
                cycle = chain[chain.index(parent):] + [parent]
                broken.add(name)
                members = frozenset(cycle)
                if members not in reported_cycles:
                    reported_cycles.add(members)
                    diagnostics.error(
                        Code.TEMPLATE_CYCLE, "templates extend each other in a cycle: "
                        + " -> ".join(cycle), templates[cycle[0]].doc.locate(("spec", "extends")),
                        path="spec.extends")
                break
            chain.append(parent)
            current = templates[parent]
    return broken


def chain_of(name: str, templates: Mapping[str, TemplateEntry]) -> list[TemplateEntry]:
    """Return the templates of a (valid) chain, root first."""
    chain = [templates[name]]
    while (parent := chain[-1].spec.get("extends")) is not None:
        chain.append(templates[parent])
    return list(reversed(chain))


@dataclass
class Merged:
    """A resource spec with its templates applied, before variables are filled in."""

    spec: dict[str, Any]
    labels: dict[str, str]
    vars: dict[str, Any]
    provenance: Provenance


def merge_resource(
    doc: SourceDocument, chain: list[TemplateEntry], labels: Mapping[str, str]
) -> Merged:
    """Apply a template chain (root first) and then the resource's own spec."""
    provenance = Provenance()
    provenance.record((), Origin(doc, ("spec",)))
    spec: dict[str, Any] = {}
    merged_labels: dict[str, str] = {}
    variables: dict[str, Any] = {}
    for template in chain:
        layer = {k: v for k, v in template.spec.items() if k not in TEMPLATE_ONLY}
        _merge_into(spec, layer, (), template.doc, provenance)
        merged_labels.update(template.spec.get("labels", {}))
        variables.update(template.spec.get("vars", {}))
    own = doc.data.get("spec", {})
    _merge_into(spec, {k: v for k, v in own.items() if k not in RESOURCE_ONLY}, (), doc,
                provenance)
    merged_labels.update(labels)
    variables.update(own.get("vars", {}))
    return Merged(spec, merged_labels, variables, provenance)


def merge_layer(merged: Merged, layer: Mapping[str, Any], doc: SourceDocument,
                at: FieldPath) -> None:
    """Merge one more layer (an environment's override, at `at` in `doc`) over a merged
    spec, by the template rule: scalars and lists replace, maps merge."""
    _merge_into(merged.spec, layer, (), doc, merged.provenance, prefix=at)


def _merge_into(
    target: dict[str, Any], source: Mapping[str, Any], at: FieldPath, doc: SourceDocument,
    provenance: Provenance, *, prefix: FieldPath = ("spec",),
) -> None:
    for key, value in source.items():
        path = at + (key,)
        current = target.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            provenance.touch(path, Origin(doc, prefix + path))
            _merge_into(current, value, path, doc, provenance, prefix=prefix)
        else:
            target[key] = copy.deepcopy(value)
            _record_tree(value, path, doc, provenance, prefix)


def _record_tree(value: Any, path: FieldPath, doc: SourceDocument,
                 provenance: Provenance, prefix: FieldPath = ("spec",)) -> None:
    """Record `path` and every map key below it, so a later deep merge shadows none of them."""
    provenance.record(path, Origin(doc, prefix + path))
    if isinstance(value, dict):
        for key, child in value.items():
            _record_tree(child, path + (key,), doc, provenance, prefix)


def substitute(
    merged: Merged, own_vars: Mapping[str, Any], diagnostics: Diagnostics, doc: SourceDocument
) -> bool:
    """Fill `{{ name }}` placeholders in name, description and instructions, in place.

    A placeholder without a value is an error at the field that holds it; a variable the
    resource sets but nothing uses is a warning. Write `\\{{` for a literal `{{`. Returns
    whether any text changed.
    """
    used: set[str] = set()
    changed = False
    for field_name in SUBSTITUTED_FIELDS:
        text = merged.spec.get(field_name)
        if isinstance(text, str):
            result = _fill_field(merged, field_name, text, used, diagnostics, doc)
            changed = changed or result != text
            merged.spec[field_name] = result
    for name in own_vars:
        if name not in used:
            diagnostics.warning(
                Code.UNUSED_VARIABLE, f"variable '{name}' is not used by any placeholder",
                doc.locate(("spec", "vars", name)), path=f"spec.vars.{name}")
    return changed


def _fill_field(merged: Merged, field_name: str, text: str, used: set[str],
                diagnostics: Diagnostics, doc: SourceDocument) -> str:
    """Fill one field in, adding the names it uses to `used`; report a variable without a
    value, or a result too long, at the field. Returns the text (as it was, if too long)."""
    try:
        result, missing, names = fill(text, merged.vars)
    except ExpansionTooLarge as exc:
        used |= exc.used
        diagnostics.error(
            Code.EXPANSION_TOO_LARGE, f"{field_name} would have {exc.length:,} characters once "
            f"its variables are filled in; at most {MAX_EXPANDED_LENGTH:,} are allowed",
            merged.provenance.locate((field_name,)), path=f"spec.{field_name}",
            hint="the API takes at most 256,000 characters of instructions: look for a long "
                 "variable used many times")
        return text
    used |= names
    if missing:
        _report_missing(merged, field_name, missing, diagnostics, doc)
    return result


def _report_missing(merged: Merged, field_name: str, missing: list[str],
                    diagnostics: Diagnostics, doc: SourceDocument) -> None:
    """Report variables without a value at the line holding the placeholder; when that line
    is a template's, also name the assistant or agent whose vars lack them."""
    listed = ", ".join(f"'{m}'" for m in missing)
    origin = merged.provenance.origin((field_name,))
    address = f"{doc.data.get('kind')}/{doc.data.get('metadata', {}).get('name')}"
    what = f"{field_name} uses"
    user = "the assistant or agent"
    if origin.doc is not doc:
        template = origin.doc.data.get("metadata", {}).get("name")
        what = f"{field_name} of template '{template}', used by {address} ({doc.locate(())}), uses"
        user = address
    diagnostics.error(
        Code.MISSING_VARIABLE,
        f"{what} variable{'s' if len(missing) > 1 else ''} {listed} with no value",
        merged.provenance.locate((field_name,)), path=f"spec.{field_name}",
        hint=f"set it in spec.vars of {user}, or in the template's vars")


def fill(text: str, variables: Mapping[str, Any], *,
         limit: int = MAX_EXPANDED_LENGTH) -> tuple[str, list[str], set[str]]:
    """Return the filled text, the missing variable names, and the names used.

    Each placeholder is replaced once: a value holding `{{ name }}` is kept as written. Raises
    `ExpansionTooLarge`, before building anything, when the text would grow beyond `limit`.
    """
    if "{{" not in text:
        return text, [], set()
    length, used_names = expanded_length(text, variables)
    if length > max(limit, len(text)):
        raise ExpansionTooLarge(length, used_names)
    missing: list[str] = []
    used: set[str] = set()

    def replace(match: re.Match[str]) -> str:
        escaped, name = match.group(1), match.group(2)
        if escaped:
            return match.group(0)[1:]
        used.add(name)
        if name not in variables:
            if name not in missing:
                missing.append(name)
            return match.group(0)
        return _as_text(variables[name])

    return PLACEHOLDER.sub(replace, text), missing, used


def expanded_length(text: str, variables: Mapping[str, Any]) -> tuple[int, set[str]]:
    """The length `text` would have once filled in, without building it; and the names used."""
    sizes: dict[str, int] = {}
    length = len(text)
    for match in PLACEHOLDER.finditer(text):
        if match.group(1):  # `\{{ name }}` loses its backslash
            length -= 1
            continue
        name = match.group(2)
        if name not in sizes:
            sizes[name] = len(_as_text(variables[name])) if name in variables else -1
        if sizes[name] >= 0:
            length += sizes[name] - (match.end() - match.start())
    return length, set(sizes)


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
