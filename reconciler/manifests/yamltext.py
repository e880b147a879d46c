"""Parse YAML text into plain values with every node's position, bounded.

Each mapping key and sequence item keeps its line and column, so a problem found anywhere
later (schema, template, reference) can point at the exact spot. libyaml (through PyYAML)
parses; plain scalars are typed by ruamel's YAML 1.2 rules.

Manifests come from pull requests, so reading is bounded, and each refusal is one diagnostic
naming the file, line and column:

- a file composes to at most `MAX_FILE_NODES` nodes (`manifest-too-large`);
- the text holds no character YAML forbids, such as NUL (`yaml-encoding`);
- aliases may expand a file only to `ALIAS_BUDGET_FACTOR` times its distinct nodes, as in
  go-yaml (`yaml-alias-limit`: billion laughs, merge-key bombs), never into themselves
  (`yaml-recursive-alias`); nesting stops at `MAX_DEPTH` levels;
- only the standard tags are accepted (`yaml-unknown-tag`: `!Ref`, `!!python/...`, `!!set`);
- integers have at most `MAX_INTEGER_DIGITS` digits and floats are finite (`number-too-large`).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.nodes import ScalarNode as RuamelScalarNode
from ruamel.yaml.resolver import VersionedResolver

from reconciler.diagnostics import Code, Diagnostics, Location

try:
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

FieldPath = tuple[str | int, ...]

MAX_FILE_NODES = 100_000
"""Nodes one file may compose to (60 MB and a third of a second to read at worst). A manifest
has about 75, so this is over a thousand manifests; a 10 MiB flow list of 5 million nodes
would take 2.7 GB and 36 s to read."""
ALIAS_BUDGET_MINIMUM = 100_000
"""Values any file may build, aliases expanded (20 MB and a tenth of a second)."""
ALIAS_BUDGET_FACTOR = 10
"""Beyond the minimum, aliases may expand a file to this many times its distinct nodes..."""
ALIAS_BUDGET_MAXIMUM = 500_000
"""...but never beyond this many values (150 MB and under a second)."""
ALIAS_TEXT_MINIMUM = 32 * 1024 * 1024
ALIAS_TEXT_FACTOR = 4
"""Characters of text the values built may hold, aliases expanded: at least the minimum, else
this many times the file's length (one long string aliased many times is as much a bomb as
many nodes: later steps copy every value)."""
MAX_DEPTH = 100
"""Nesting of mappings and sequences; the checks that follow reading recurse per level."""
MAX_INTEGER_DIGITS = 30
"""No API field takes a larger integer; Python itself refuses to parse 4,300 digits."""

_INTEGER_CEILING = 10**MAX_INTEGER_DIGITS
_YAML_TAG = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL, _TIMESTAMP, _MERGE, _MAP, _SEQ = (
    _YAML_TAG + name for name in ("str", "int", "float", "bool", "null", "timestamp", "merge",
                                  "map", "seq"))
_SCALAR_TAGS = frozenset({_STR, _INT, _FLOAT, _BOOL, _NULL, _TIMESTAMP})
_PLAIN = "plain scalar"
"""The tag an untagged plain scalar is composed with; it has a space, so it is no real tag."""
_FORBIDDEN = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""Characters YAML does not allow in a stream (libyaml's reader refuses the same)."""


@dataclass(frozen=True, eq=False)
class SourceDocument:
    """One YAML document of a manifest file: its data and where each key and item is."""

    file: str
    index: int
    data: Any
    """The content as plain JSON-compatible Python values."""
    positions: dict[FieldPath, tuple[int, int]]
    """0-based (line, column) of the document, and of every mapping key and sequence item."""

    def locate(self, path: Sequence[str | int]) -> Location:
        """Return the position of the node at `path`, or of its deepest existing ancestor."""
        key = tuple(path)
        while key not in self.positions:
            key = key[:-1]
        line, column = self.positions[key]
        return Location(file=self.file, line=line + 1, column=column + 1)


def load_text(text: str, shown: str, diagnostics: Diagnostics) -> list[SourceDocument]:
    """Parse YAML text holding one or more documents.

    libyaml (through PyYAML) parses and gives every node its position, about 13 times faster
    than a pure-Python parser; plain scalars are typed by ruamel's YAML 1.2 resolver and
    constructor, so `yes`, `on` and `no` stay strings, as YAML 1.2 says.
    """
    documents: list[SourceDocument] = []
    spent = _Spent()
    try:
        for index, root in enumerate(yaml.compose_all(text, Loader=_Loader)):
            document = _document(root, index, text, shown, diagnostics, spent)
            if document is not None:
                documents.append(document)
    except _OverBudget as refused:  # the budget is the file's: reading it stops
        _report(refused, shown, diagnostics)
    except yaml.MarkedYAMLError as exc:
        diagnostics.error(Code.YAML_SYNTAX, _syntax_message(exc), _mark(exc, shown),
                          hint=_syntax_hint(exc, text))
    except (yaml.reader.ReaderError, UnicodeEncodeError):
        _bad_character(text, shown, diagnostics)
    except _TooManyNodes:
        diagnostics.error(Code.MANIFEST_TOO_LARGE, f"{shown} holds more than "
                          f"{MAX_FILE_NODES:,} YAML values", Location(file=shown),
                          hint="split it into several files")
    except yaml.YAMLError as exc:
        diagnostics.error(Code.YAML_SYNTAX, f"YAML syntax error: {exc}", Location(file=shown))
    return documents


def _document(root: yaml.Node | None, index: int, text: str, shown: str,
              diagnostics: Diagnostics, spent: _Spent) -> SourceDocument | None:
    """Build one composed document; None when it is empty or refused."""
    if root is None or _is_empty(root):
        return None
    builder = _Builder(root, text, shown, diagnostics, spent)
    try:
        data = builder.value(root, ())
    except _OverBudget:
        raise
    except _Refused as refused:
        _report(refused, shown, diagnostics)
        return None
    finally:
        spent.visits, spent.distinct = builder.visits, builder.distinct()
        spent.characters = builder.characters
    if builder.refused:
        return None
    line = root.start_mark.line
    if not isinstance(root, yaml.MappingNode):
        diagnostics.error(
            Code.NOT_A_MAPPING, f"document {index + 1} is a {_yaml_type(root)}, not a mapping "
            "with apiVersion, kind, metadata and spec", Location(file=shown, line=line + 1))
        return None
    builder.positions[()] = (line, root.start_mark.column)
    return SourceDocument(shown, index, data, builder.positions)


def _report(refused: _Refused, shown: str, diagnostics: Diagnostics) -> None:
    line, column = refused.where
    diagnostics.error(refused.code, refused.message,
                      Location(file=shown, line=line + 1, column=column + 1), hint=refused.hint)


class _TooManyNodes(Exception):
    """The file composes to more than `MAX_FILE_NODES` nodes."""


class _Loader(_SafeLoader):
    """libyaml's composer, changed twice: nodes are counted as they are composed, so that a
    file of millions of tiny nodes stops early; and an untagged plain scalar keeps the tag
    `_PLAIN`, so that `!!str 123` can be told from `123` (the YAML 1.2 resolver types it)."""

    nodes = 0

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        """Called before each node is composed, tagged or not (aliases excepted)."""
        self.nodes += 1
        if self.nodes > MAX_FILE_NODES:
            raise _TooManyNodes

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode:
            return _PLAIN if implicit[0] else _STR
        return _SEQ if kind is yaml.SequenceNode else _MAP


_RESOLVER = VersionedResolver(version=(1, 2))
_CONSTRUCTOR = YAML(typ="safe", pure=True).constructor
_NEW = object()
_COLLECTION = object()


@dataclass
class _Refused(Exception):
    """A problem that ends the reading of a document."""

    code: Code
    message: str
    where: tuple[int, int]
    """0-based line and column."""
    hint: str | None = None


class _OverBudget(_Refused):
    """Aliases expand the file beyond its budget; the rest of it is not read."""


@dataclass
class _Spent:
    """What the documents of one file read so far built: the alias budget is the file's, or
    a thousand documents of 99,000 values each would pass."""

    visits: int = 0
    distinct: int = 0
    characters: int = 0


class _Builder:
    """Turns a composed node graph into plain values and a table of positions.

    An alias is the very node of its anchor met again, so it is built again wherever it is
    used: every node built counts against the alias budget, and the nodes being built are
    kept, so that an alias inside its own anchor is refused rather than followed forever.
    """

    def __init__(self, root: yaml.Node, text: str, shown: str, diagnostics: Diagnostics,
                 spent: _Spent) -> None:
        self.root = root
        self.text = text
        self.shown = shown
        self.diagnostics = diagnostics
        self.positions: dict[FieldPath, tuple[int, int]] = {}
        self.seen: dict[int, Any] = {}
        """Distinct nodes met, by id: a scalar's value (an alias reuses it), else _COLLECTION."""
        self.building: set[int] = set()
        self.duplicates: set[int] = set()
        self.visits = spent.visits
        """Values built, in the whole file."""
        self.distinct_before = spent.distinct
        self.characters = spent.characters
        """Characters of the scalars built, in the whole file."""
        self.text_budget = max(ALIAS_TEXT_MINIMUM, ALIAS_TEXT_FACTOR * len(text))
        self.refused = False

    def distinct(self) -> int:
        """Distinct nodes met, in the whole file."""
        return self.distinct_before + len(self.seen)

    def value(self, node: yaml.Node, path: FieldPath) -> Any:
        self.visits += 1
        if self.visits > ALIAS_BUDGET_MINIMUM and self.visits > alias_budget(self.distinct()):
            raise self._over_budget()
        if isinstance(node, yaml.ScalarNode):
            self.characters += len(node.value)
            if self.characters > self.text_budget:
                raise self._over_budget()
            return self.once(node)
        return self.collection(node, path, again=id(node) in self.seen)

    def once(self, node: yaml.ScalarNode) -> Any:
        """A scalar's value, typed (and any problem reported) once: an alias reuses it."""
        known = self.seen.get(id(node), _NEW)
        if known is _NEW:
            known = self.seen[id(node)] = self.scalar(node)
        return known

    def collection(self, node: yaml.Node, path: FieldPath, *, again: bool) -> Any:
        key = id(node)
        if again and key in self.building:
            raise _self_alias(self.text, self.root, node)
        if len(self.building) >= MAX_DEPTH:
            raise _Refused(Code.YAML_SYNTAX, f"YAML syntax error: nesting deeper than "
                           f"{MAX_DEPTH} levels", _where(node))
        self.seen[key] = _COLLECTION
        if node.tag != (_MAP if isinstance(node, yaml.MappingNode) else _SEQ):
            return None if again else self.refuse_tag(node)
        self.building.add(key)
        if isinstance(node, yaml.MappingNode):
            result: Any = self.mapping(node, path)
        else:
            result = self.sequence(cast(yaml.SequenceNode, node), path)
        self.building.discard(key)
        return result

    def sequence(self, node: yaml.SequenceNode, path: FieldPath) -> list[Any]:
        items = []
        for index, item in enumerate(node.value):
            self.positions[path + (index,)] = (item.start_mark.line, item.start_mark.column)
            items.append(self.value(item, path + (index,)))
        return items

    def mapping(self, node: yaml.MappingNode, path: FieldPath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        # merge sources first, so that the keys written here keep their own positions
        merged = [source for key_node, value_node in node.value if _is_merge(key_node)
                  for source in self._merge_sources(value_node, path)]
        for key_node, value_node in node.value:
            if _is_merge(key_node):
                continue
            key = plain_key(self.once(key_node)) if isinstance(key_node, yaml.ScalarNode) else (
                str(key_node.start_mark))
            child = path + (key,)
            if key in result:
                self.duplicate(key_node, key, self.positions[child][0] + 1)
                continue
            self.positions[child] = (key_node.start_mark.line, key_node.start_mark.column)
            result[key] = self.value(value_node, child)
        for source in merged:
            for key, value in source.items():
                result.setdefault(key, value)
        return result

    def duplicate(self, node: yaml.Node, key: str, first: int) -> None:
        if id(node) not in self.duplicates:  # an alias would repeat its anchor's duplicates
            self.duplicates.add(id(node))
            self.diagnostics.error(
                Code.DUPLICATE_KEY, f"duplicate key '{key}' (first at line {first})",
                self.location(node.start_mark), hint="remove one of the two entries")

    def _merge_sources(self, node: yaml.Node, path: FieldPath) -> list[dict[str, Any]]:
        if isinstance(node, yaml.SequenceNode) and node.tag != _SEQ:
            self.refuse_tag(node)
        nodes = node.value if isinstance(node, yaml.SequenceNode) else [node]
        built = [self.value(n, path) for n in nodes if isinstance(n, yaml.MappingNode)]
        return [source for source in built if isinstance(source, dict)]

    def scalar(self, node: yaml.ScalarNode) -> Any:
        """A scalar's value: quoted, block and `!!str` scalars are strings; plain ones are
        typed by the YAML 1.2 core schema (ruamel's resolver); timestamps stay as written."""
        tag = node.tag
        if tag == _STR:
            return node.value
        if tag != _PLAIN and tag not in _SCALAR_TAGS:
            return self.refuse_tag(node)
        resolved = _plain_tag(node.value)
        if tag not in (_PLAIN, resolved) and (tag, resolved) != (_FLOAT, _INT):
            return self.refuse(Code.YAML_SYNTAX, f"YAML syntax error: '{_short(node.value)}' "
                               f"is not a valid {shown_tag(tag)}", node)
        target = resolved if tag == _PLAIN else tag
        if target == _INT:
            return self.integer(node)
        if target in (_FLOAT, _BOOL, _NULL):
            return self.constructed(node, target)
        return node.value

    def integer(self, node: yaml.ScalarNode) -> Any:
        text = node.value
        digits = text.lstrip("+-").replace("_", "")
        if len(digits) > MAX_INTEGER_DIGITS and digits[:2] not in ("0x", "0o", "0b"):
            return self.too_large(node, f"it has more than {MAX_INTEGER_DIGITS} digits")
        try:
            number = _CONSTRUCTOR.construct_yaml_int(RuamelScalarNode(_INT, text))
        except (ValueError, IndexError):  # `-_` or `0b_`: no integer in YAML 1.2 after all
            return text
        if abs(number) >= _INTEGER_CEILING:
            return self.too_large(node, f"it is {MAX_INTEGER_DIGITS + 1} digits or more")
        return number

    def constructed(self, node: yaml.ScalarNode, tag: str) -> Any:
        try:
            value = _CONSTRUCTOR.construct_non_recursive_object(RuamelScalarNode(tag, node.value))
        except (ValueError, IndexError):  # `._`: no float in YAML 1.2 after all
            return node.value
        if isinstance(value, float) and not math.isfinite(value):
            return self.too_large(node, "it is not finite, and JSON cannot carry it")
        return value

    def too_large(self, node: yaml.ScalarNode, why: str) -> None:
        return self.refuse(Code.NUMBER_TOO_LARGE, f"number '{_short(node.value)}' is too "
                           f"large: {why}", node,
                           hint="quote it if it is an identifier rather than a number")

    def refuse_tag(self, node: yaml.Node) -> None:
        kind = {yaml.ScalarNode: "value", yaml.SequenceNode: "list"}.get(type(node), "mapping")
        shown = shown_tag(node.tag)
        known = node.tag in _SCALAR_TAGS | {_MAP, _SEQ}
        return self.refuse(
            Code.YAML_UNKNOWN_TAG, f"tag '{shown}' does not fit a {kind}" if known else
            f"unknown tag '{shown}' on a {kind}", node,
            hint="manifests hold plain values; the only tags are !!str, !!int, !!float, "
                 "!!bool, !!null, !!timestamp, !!map and !!seq")

    def refuse(self, code: Code, message: str, node: yaml.Node,
               hint: str | None = None) -> None:
        """Report a value that cannot be read; the document is dropped when built."""
        self.refused = True
        self.diagnostics.error(code, message, self.location(node.start_mark), hint=hint)

    def location(self, mark: yaml.Mark) -> Location:
        return Location(file=self.shown, line=mark.line + 1, column=mark.column + 1)

    def _over_budget(self) -> _OverBudget:
        return _OverBudget(
            Code.YAML_ALIAS_LIMIT, f"aliases expand this file beyond {self.visits - 1:,} "
            f"values or {self.characters:,} characters, from {self.distinct():,} written (at "
            f"most {ALIAS_BUDGET_FACTOR} times as many values are built: at least "
            f"{ALIAS_BUDGET_MINIMUM:,}, never over {ALIAS_BUDGET_MAXIMUM:,}; and at most "
            f"{self.text_budget:,} characters); reading stops at this document",
            _where(self.root), hint="an alias copies its anchor's value wherever it is "
            "used, so nested aliases multiply (a 'billion laughs' document)")


def _self_alias(text: str, root: yaml.Node, target: yaml.Node) -> _Refused:
    """The error for an alias inside the node its anchor names. Composed nodes keep no alias,
    so the document's events are read again (once: the document is then dropped) to find it."""
    first_line = text.rfind("\n", 0, root.start_mark.index) + 1  # parsed from its line start
    start, end = target.start_mark.index - first_line, target.end_mark.index - first_line
    anchors: dict[str, int] = {}
    try:
        for event in yaml.parse(text[first_line:target.end_mark.index], Loader=_Loader):
            mark = event.start_mark
            if mark is None or mark.index >= end:
                break
            if isinstance(event, yaml.AliasEvent) and mark.index >= start and (
                    anchors.get(event.anchor or "") == start):
                return _Refused(
                    Code.YAML_RECURSIVE_ALIAS, f"alias '*{event.anchor}' is inside the value "
                    f"of its own anchor '&{event.anchor}' (line {target.start_mark.line + 1}), "
                    "so that value would never end",
                    (mark.line + root.start_mark.line, mark.column))
            if isinstance(event, yaml.NodeEvent) and event.anchor is not None:
                anchors[event.anchor] = mark.index
    except yaml.YAMLError:  # such as a %TAG handle declared before the document
        pass
    return _Refused(Code.YAML_RECURSIVE_ALIAS, "this value holds an alias to itself, so it "
                    "would never end", _where(target))


def _where(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line, node.start_mark.column


def alias_budget(distinct: int) -> int:
    """How many values a document of `distinct` nodes may build, aliases expanded."""
    return min(ALIAS_BUDGET_MAXIMUM, max(ALIAS_BUDGET_MINIMUM, ALIAS_BUDGET_FACTOR * distinct))


def _is_merge(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.value == "<<" and (
        node.tag in (_PLAIN, _MERGE))


@functools.lru_cache(maxsize=4096)
def _cached_tag(value: str) -> str:
    return str(_RESOLVER.resolve(RuamelScalarNode, value, (True, False)))


def _plain_tag(value: str) -> str:
    """The YAML 1.2 core-schema tag of a plain scalar (short ones are cached: most repeat)."""
    if len(value) <= 64:
        return _cached_tag(value)
    return str(_RESOLVER.resolve(RuamelScalarNode, value, (True, False)))


def shown_tag(tag: str) -> str:
    return _short("!!" + tag[len(_YAML_TAG):] if tag.startswith(_YAML_TAG) else tag)


def _short(text: str, size: int = 40) -> str:
    return text if len(text) <= size else text[:size] + "…"


def _is_empty(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.value == "" and node.tag in (_PLAIN, _NULL)


def _bad_character(text: str, shown: str, diagnostics: Diagnostics) -> None:
    """Report the first character YAML does not allow, where it is."""
    found = _FORBIDDEN.search(text)
    if found is None:
        diagnostics.error(Code.YAML_ENCODING, "the text holds a character YAML does not allow",
                          Location(file=shown))
        return
    index = found.start()
    line_start = text.rfind("\n", 0, index) + 1
    diagnostics.error(
        Code.YAML_ENCODING, f"character U+{ord(found.group()):04X} is not allowed in YAML",
        Location(file=shown, line=text.count("\n", 0, index) + 1, column=index - line_start + 1),
        hint='write a control character as an escape in a double-quoted string, such as "\\t"')


def _syntax_message(exc: yaml.MarkedYAMLError) -> str:
    problem = exc.problem or "invalid YAML"
    context = f" ({exc.context}" if exc.context else ""
    if context and exc.context_mark is not None and exc.problem_mark is not None and (
            exc.context_mark.line != exc.problem_mark.line):
        context += f" that starts at line {exc.context_mark.line + 1}"
    context += ")" if context else ""
    return f"YAML syntax error: {problem}{context}"


def _syntax_hint(exc: yaml.MarkedYAMLError, text: str) -> str | None:
    """What usually causes it, where it is easy to see: a tab in the indentation, or a key
    indented deeper than the one before it."""
    mark = exc.problem_mark
    if mark is None:
        return None
    lines = text.splitlines()
    start = max(0, mark.line - 1)
    for offset, line in enumerate(lines[start:mark.line + 1]):
        indent = line[:len(line) - len(line.lstrip())]
        if "\t" in indent:
            number = start + offset + 1
            return (f"line {number} is indented with a tab: YAML indents with spaces only "
                    "(replace the tab with spaces)")
    if exc.problem == "mapping values are not allowed in this context" and 0 < mark.line \
            < len(lines):
        line, before = lines[mark.line], lines[mark.line - 1]
        depth = len(line) - len(line.lstrip(" "))
        previous = len(before) - len(before.lstrip(" "))
        if depth > previous and not before.rstrip().endswith(":"):
            return (f"line {mark.line + 1} is indented deeper than the key before it "
                    f"(line {mark.line}): keys of one mapping start in the same column")
    return None


def _mark(exc: yaml.MarkedYAMLError, shown: str) -> Location:
    mark = exc.problem_mark or exc.context_mark
    if mark is None:
        return Location(file=shown)
    return Location(file=shown, line=mark.line + 1, column=mark.column + 1)


def _yaml_type(node: yaml.Node) -> str:
    if isinstance(node, yaml.SequenceNode):
        return "list"
    return "string" if isinstance(node, yaml.ScalarNode) else type(node).__name__



def plain_key(key: Any) -> str:
    """A mapping key as a string (`true`, not `True`)."""
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)
