"""Write imported manifests as YAML people will maintain: block-style text, the
yaml-language-server schema header, one file per object.

We read YAML 1.2, where `yes`, `on`, `012` and `1:20` are strings; YAML 1.1 tools (PyYAML,
older yaml-language-server setups, many linters) read them as booleans, numbers or dates. A
string that YAML 1.1 would re-type is written quoted, so every reader sees the same value."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

from reconciler import kinds
from reconciler.diagnostics import Diagnostics
from reconciler.errors import ReconcilerError
from reconciler.importing.convert import Manifest
from reconciler.manifests.loader import make_yaml
from reconciler.manifests.yamltext import load_text
from reconciler.model.common import NAME_PATTERN
from reconciler.schemas import VERSION_DIR, file_name

YAML11_BOOLEANS = frozenset("y Y n N yes Yes YES no No NO true True TRUE false False FALSE "  # noqa: SIM905
                            "on On ON off Off OFF".split())
"""YAML 1.1's booleans; PyYAML's resolver leaves out the one-letter forms, the spec does not."""


def target(folder: Path, manifest: Manifest) -> Path:
    """Where a manifest goes: `<folder>/<kind folder>/<name>.yaml`, never outside `folder`."""
    if not re.fullmatch(NAME_PATTERN, manifest.name):
        raise ReconcilerError(f"'{manifest.name}' is not a manifest name; nothing was written")
    return folder / str(kinds.get(manifest.kind).import_folder) / f"{manifest.name}.yaml"


def render(manifest: Manifest, path: Path, schemas: Path) -> str:
    """The file's text: schema header, provenance, then the document."""
    schema = Path(os.path.relpath(schemas / VERSION_DIR / file_name(manifest.kind),
                                  path.parent)).as_posix()
    lines = [f"# yaml-language-server: $schema={schema}"]
    if manifest.note:
        lines.append(f"# {manifest.note}")
    elif manifest.live_id:
        lines.append(f"# Imported by `reconciler import` from {manifest.live_id}.")
    elif manifest.used_by:
        lines.append(f"# Imported by `reconciler import`; used by {', '.join(manifest.used_by)}.")
    writer = make_yaml()
    writer.width = 100
    writer.indent(mapping=2, sequence=4, offset=2)
    out = io.StringIO()
    writer.dump(_blockify(manifest.document), out)
    text = "\n".join(_comment(line) for line in lines) + "\n" + out.getvalue()
    _check_reads_back(text, manifest, path)
    return text


def _comment(line: str) -> str:
    """A comment line that stays one line: live names and notes are someone else's text, and
    a line break in them would end the comment and start YAML (another document even)."""
    return "".join(c if c.isprintable() else "?" for c in line)


def _check_reads_back(text: str, manifest: Manifest, path: Path) -> None:
    """Refuse a file that does not read back as exactly the one document it was made from."""
    problems = Diagnostics()
    documents = load_text(text, str(path), problems)
    if problems.has_errors or len(documents) != 1 or documents[0].data != manifest.document:
        raise ReconcilerError(f"{manifest.kind}/{manifest.name}: its YAML would not read back "
                              "as the object it was made from; nothing was written",
                              hint="rename the live object (line breaks or control characters "
                                   "in its name?) and import it again")


def _blockify(value: Any) -> Any:
    """Multi-line text as literal blocks (`|`), when it can be written that way exactly."""
    if isinstance(value, dict):
        first = ["type"] if "type" in value else []  # `type` first reads best
        return {_quoted(k): _blockify(value[k])
                for k in first + [k for k in value if k != "type"]}
    if isinstance(value, list):
        return [_blockify(v) for v in value]
    if isinstance(value, str) and "\n" in value and _blockable(value):
        return LiteralScalarString(value)
    return _quoted(value)


def _quoted(value: Any) -> Any:
    """A string YAML 1.1 would read as something else, or that holds a character a plain or
    single-quoted scalar cannot keep (NEL, a line or paragraph separator, a control
    character), marked to be written in double quotes, with escapes."""
    if isinstance(value, str) and (yaml11_retypes(value) or _needs_escapes(value)):
        return DoubleQuotedScalarString(value)
    return value


def _needs_escapes(text: str) -> bool:
    return any(not c.isprintable() and c not in "\n\t" for c in text)


def yaml11_retypes(text: str) -> bool:
    """Whether YAML 1.1 reads `text`, written plain, as other than this string."""
    if text in YAML11_BOOLEANS:
        return True
    resolvers = yaml.resolver.Resolver.yaml_implicit_resolvers.get(text[:1], [])
    return any(pattern.match(text) for _, pattern in resolvers)


def _blockable(text: str) -> bool:
    lines = text.split("\n")
    printable = all(line.replace("\t", " ").isprintable() for line in lines)
    return printable and not any(line != line.rstrip() for line in lines) and (
        not text.startswith((" ", "\t")))
