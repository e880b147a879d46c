"""Find manifest files and read their YAML documents, keeping every node's position.

ruamel's round-trip loader gives each mapping key and sequence item its line and column, so
a problem found anywhere later (schema, template, reference) can point at the exact spot.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError

from reconciler.diagnostics import Code, Diagnostics, Location

YAML_SUFFIXES = (".yaml", ".yml")
FieldPath = tuple[str | int, ...]


@dataclass(frozen=True, eq=False)
class SourceDocument:
    """One YAML document of a manifest file: its parsed data and where each node is."""

    file: str
    index: int
    node: Any
    """The round-trip node (CommentedMap) that carries positions."""
    data: Any
    """The same content as plain JSON-compatible Python values."""

    def locate(self, path: Sequence[str | int]) -> Location:
        """Return the position of the node at `path`, or of its deepest existing ancestor."""
        node = self.node
        line, column = _start(node)
        for part in path:
            position = _child_position(node, part)
            if position is None:
                break
            line, column = position
            node = node[part]
        return Location(file=self.file, line=line + 1, column=column + 1)


def _start(node: Any) -> tuple[int, int]:
    lc = getattr(node, "lc", None)
    if lc is None or lc.line is None:
        return (0, 0)
    return (lc.line, lc.col)


def _child_position(node: Any, part: str | int) -> tuple[int, int] | None:
    try:
        if isinstance(node, CommentedMap) and part in node:
            line, column = node.lc.key(part)
            return (line, column)
        if isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            line, column = node.lc.item(part)
            return (line, column)
    except (KeyError, TypeError, AttributeError):
        return None
    return None


def to_plain(node: Any) -> Any:
    """Convert ruamel nodes to JSON-compatible values (dates become ISO strings)."""
    if isinstance(node, dict):
        return {_plain_key(k): to_plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [to_plain(v) for v in node]
    if isinstance(node, bool):
        return bool(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, dt.date | dt.datetime):
        return node.isoformat()
    if isinstance(node, str):
        return str(node)
    if node is None:
        return None
    return str(node)


def _plain_key(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)


def display_path(path: Path) -> str:
    """Show a path relative to the working directory when it is below it."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def discover(
    paths: Iterable[str | Path], *, exclude: Sequence[str] = (), diagnostics: Diagnostics
) -> list[Path]:
    """Expand files, folders (recursively) and globs into a sorted list of YAML files."""
    found: dict[Path, None] = {}
    for raw in paths:
        path = Path(raw)
        matches = sorted(Path().glob(str(raw))) if _is_glob(str(raw)) else [path]
        if not matches or not all(p.exists() for p in matches):
            diagnostics.error(Code.PATH_NOT_FOUND, f"no such file or folder: {raw}",
                              Location(file=str(raw)))
            continue
        for match in matches:
            for file in _yaml_files(match):
                if not _excluded(file, exclude):
                    found[file.resolve()] = None
    return sorted(found, key=lambda p: display_path(p))


def _is_glob(text: str) -> bool:
    return any(ch in text for ch in "*?[")


def _yaml_files(path: Path) -> Iterable[Path]:
    if path.is_file():
        yield path
        return
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.endswith(YAML_SUFFIXES) and not name.startswith("."):
                yield Path(root) / name


def _excluded(path: Path, patterns: Sequence[str]) -> bool:
    shown = display_path(path)
    return any(fnmatch.fnmatch(shown, p) or fnmatch.fnmatch(path.name, p) for p in patterns)


def make_yaml() -> YAML:
    """Return the round-trip loader used everywhere (YAML 1.2; duplicate keys are errors)."""
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    return yaml


def load_file(path: Path, diagnostics: Diagnostics) -> list[SourceDocument]:
    """Read every document of one file; problems are added to `diagnostics`."""
    shown = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        diagnostics.error(Code.YAML_SYNTAX, f"cannot read file: {exc}", Location(file=shown))
        return []
    return load_text(text, shown, diagnostics)


def load_text(text: str, shown: str, diagnostics: Diagnostics) -> list[SourceDocument]:
    """Parse YAML text holding one or more documents."""
    documents: list[SourceDocument] = []
    index = -1
    try:
        for index, node in enumerate(make_yaml().load_all(text)):
            if node is None:
                continue
            if not isinstance(node, CommentedMap):
                line = _start(node)[0] + 1 if hasattr(node, "lc") else None
                diagnostics.error(
                    Code.NOT_A_MAPPING,
                    f"document {index + 1} is a {_yaml_type(node)}, not a mapping with "
                    "apiVersion, kind, metadata and spec",
                    Location(file=shown, line=line),
                )
                continue
            documents.append(SourceDocument(shown, index, node, to_plain(node)))
    except DuplicateKeyError as exc:
        diagnostics.error(Code.DUPLICATE_KEY, _duplicate_message(exc), _mark(exc, shown),
                          hint="remove one of the two entries")
    except MarkedYAMLError as exc:
        problem = exc.problem or "invalid YAML"
        context = f" ({exc.context}" if exc.context else ""
        if context and exc.context_mark is not None and exc.problem_mark is not None and (
                exc.context_mark.line != exc.problem_mark.line):
            context += f" that starts at line {exc.context_mark.line + 1}"
        context += ")" if context else ""
        diagnostics.error(Code.YAML_SYNTAX, f"YAML syntax error: {problem}{context}",
                          _mark(exc, shown))
    return documents


def _mark(exc: MarkedYAMLError, shown: str) -> Location:
    mark = exc.problem_mark or exc.context_mark
    if mark is None:
        return Location(file=shown)
    return Location(file=shown, line=mark.line + 1, column=mark.column + 1)


def _duplicate_message(exc: DuplicateKeyError) -> str:
    problem = exc.problem or ""
    # ruamel: found duplicate key "foo" with value "2" (original value: "1")
    key = problem.split('"')[1] if problem.count('"') >= 2 else "?"
    first = exc.context_mark.line + 1 if exc.context_mark is not None else None
    where = f" (the mapping starts at line {first})" if first else ""
    return f"duplicate key '{key}'{where}"


def _yaml_type(node: Any) -> str:
    if isinstance(node, list):
        return "list"
    if isinstance(node, str):
        return "string"
    return type(node).__name__
