"""CEL expressions of Policy rules: compiled, checked before use, and evaluated within bounds.

The one module that uses the CEL implementation (cel-python, `celpy`), imported on first
use: only a project with a Policy loads it, so `reconciler --help` and `validate` of a
project without policies do not. Its interpreter walks the parsed tree (its other runner,
which generates Python code, is never used): it writes nothing, reaches nothing outside the
process, and calls only CEL's standard functions. CEL itself has neither loops nor
recursion, so the work of one evaluation grows only with the expression and its input; four
limits keep that small:

- an expression has at most `MAX_EXPRESSION` characters (the manifest model), and its parsed
  tree at most `MAX_TREE_DEPTH` levels;
- comprehensions (`all`, `exists`, `exists_one`, `map`, `filter`) nest at most
  `MAX_NESTING` deep;
- before each evaluation, its iterations are estimated from that nesting and the largest list
  or map it can reach (input or literal, times the number of `+` that could concatenate
  lists); over `MAX_ITERATIONS` it is an evaluation error, never a long run.

Outcomes are deterministic: maps keep the order of the manifest, and `&&`, `||` and the
comprehensions absorb errors as the CEL specification says (`false && error` is false,
whichever side is evaluated first).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reconciler.kinds.policy.messages import shown

if TYPE_CHECKING:
    import celpy
    import lark

MAX_NESTING = 2
MAX_TREE_DEPTH = 400
"""Levels of the parsed tree (each parenthesis adds about ten): deeper runs out of stack."""
MAX_ITERATIONS = 10_000
"""About two seconds of the interpreter at most: a rule over every file of a full store (10,000)
fits, comprehensions nested over it do not."""
RECURSION_LIMIT = 2500
"""What celpy needs for CEL's minimum nesting (it sets it itself; we restore it after)."""

MACROS = frozenset({"all", "exists", "exists_one", "map", "filter"})
NOT_STANDARD = frozenset({"reduce", "min"})
"""Macros only celpy has: refused, so that rules stay portable CEL."""
TYPE_NAMES = frozenset({"bool", "bytes", "double", "duration", "int", "list", "map",
                        "null_type", "string", "timestamp", "type", "uint", "dyn"})
EXTRA_FUNCTIONS = frozenset({"has", "dyn"})


class EvaluationError(Exception):
    """An expression failed on one input (a missing field, a wrong type, over the limit)."""


@dataclass(frozen=True)
class Compiled:
    """An expression checked and ready to run, with what bounds its work."""

    source: str
    runner: celpy.Runner
    nesting: int
    """How deep comprehensions nest (0: the expression has none)."""
    widest_literal: int
    """Elements of its largest list or map literal."""
    concatenations: int
    """Its `+` operators: each may make a list longer than any it was given."""
    reads: tuple[tuple[str, ...], ...]
    """Field chains it reads from its variables, in source order (`resource.spec.model`)."""

    def iterations(self, widest_input: int) -> int:
        """The most iterations it can make over an input whose largest list or map has
        `widest_input` items."""
        if not self.nesting:
            return 0
        width = max(widest_input, self.widest_literal) * (self.concatenations + 1)
        return int(width**self.nesting)


@lru_cache(maxsize=512)  # every environment loads the same policies again
def compile_rule(source: str, variables: frozenset[str]) -> Compiled | str:
    """The compiled expression, or why it cannot be used (a sentence)."""
    with _deep_enough():
        try:
            tree = _environment().compile(source)
        except _celpy().CELParseError as exc:
            return f"the expression does not parse{_unexpected(source, exc.line, exc.column)}"
        except RecursionError:
            return "the expression is nested too deeply"
        shape = _Shape(variables)
        problem = shape.walk(tree)
        if problem is None:
            problem = shape.too_costly()
        if problem is not None:
            return problem
        runner = _environment().program(tree, functions={"matches": _matches})
    return Compiled(source, runner, shape.nesting, shape.widest_literal,
                    shape.concatenations, tuple(shape.sorted_reads()))


class Subject:
    """The variables of one resource or change, as each rule evaluated on it sees them: the
    largest list or map among them, and their CEL values, are found once for all its rules
    (CEL changes no value it is given)."""

    def __init__(self, variables: Mapping[str, Any]) -> None:
        self.variables = variables
        self._widest: int | None = None
        self._activation: dict[str, Any] | None = None

    @property
    def widest(self) -> int:
        """`widest(variables)`."""
        if self._widest is None:
            self._widest = widest(self.variables)
        return self._widest

    def activation(self) -> dict[str, Any]:
        """The variables as CEL values."""
        if self._activation is None:
            cel = _celpy()
            self._activation = {name: cel.json_to_cel(value)
                                for name, value in self.variables.items()}
        return self._activation


def evaluate(compiled: Compiled, variables: Mapping[str, Any] | Subject) -> bool:
    """Whether the expression holds for `variables` (plain JSON values, or a `Subject` that
    several rules are evaluated on).

    Raises `EvaluationError` when it fails on them, is over the iteration limit, or is not a
    boolean."""
    subject = variables if isinstance(variables, Subject) else Subject(variables)
    largest = subject.widest
    iterations = compiled.iterations(largest)
    if iterations > MAX_ITERATIONS:
        raise EvaluationError(
            f"it could make {iterations:,} iterations over this input (its largest list or "
            f"map has {largest:,} items); the limit is {MAX_ITERATIONS:,}: nest fewer "
            "comprehensions")
    cel = _celpy()
    activation = subject.activation()
    with _deep_enough():
        try:
            result = compiled.runner.evaluate(activation)
        except cel.CELEvalError as exc:
            raise EvaluationError(_explain(exc)) from exc
        except RecursionError as exc:
            raise EvaluationError("the expression or its input is nested too deeply") from exc
        except Exception as exc:  # the interpreter's own slips on odd input: still the rule's
            raise EvaluationError(f"{type(exc).__name__}: {exc}") from exc
    if isinstance(result, cel.CELEvalError):
        raise EvaluationError(_explain(result))
    if not isinstance(result, cel.celtypes.BoolType):
        value = json.dumps(result, ensure_ascii=False, default=str)
        raise EvaluationError(f"it gives {shown(value)}, not true or false")
    return bool(result)


def widest(value: Any) -> int:
    """The number of items of the largest list or map in a JSON value."""
    largest, stack = 0, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict | list):
            largest = max(largest, len(item))
            stack.extend(item.values() if isinstance(item, dict) else item)
    return largest


# --- the interpreter ------------------------------------------------------------------


@cache
def _celpy() -> Any:
    import celpy

    return celpy


@cache
def _environment() -> celpy.Environment:
    cel = _celpy()
    with _deep_enough():  # its constructor raises the limit; the context restores it
        _cached_parser()
        environment: celpy.Environment = cel.Environment(runner_class=cel.InterpretedRunner)
    return environment


def _cached_parser() -> None:
    """celpy's parser, from the tables shipped with the package when they fit the installed
    Lark and celpy (see `tables`), else built. celpy builds its own on first use unless one
    is set, so this sets one with celpy's own options."""
    from celpy.celparser import CELParser

    if CELParser.CEL_PARSER is not None:
        return
    from reconciler.kinds.policy import tables

    CELParser.CEL_PARSER = tables.parser(*parser_definition())


def parser_definition() -> tuple[str, dict[str, Any]]:
    """celpy's grammar and the options it builds its parser with."""
    import lark
    from celpy.celparser import CELParser

    grammar = (Path(_celpy().__file__).parent / "cel.lark").read_text()
    return grammar, {
        "parser": "lalr", "start": "expr", "g_regex_flags": re.M,
        "lexer_callbacks": {"IDENT": CELParser.ambiguous_literals},
        "propagate_positions": True, "maybe_placeholders": False, "priority": "invert",
        "tree_class": lark.Tree}


@contextmanager
def _deep_enough() -> Iterator[None]:
    """Python's recursion limit as celpy needs it, for as long as it runs."""
    before = sys.getrecursionlimit()
    sys.setrecursionlimit(max(before, RECURSION_LIMIT))
    try:
        yield
    finally:
        sys.setrecursionlimit(before)


def _unexpected(source: str, line: int | None, column: int | None) -> str:
    """Where parsing stopped, and what it found there."""
    lines = source.splitlines() or [""]
    if line is None or column is None or not 0 < line <= len(lines):
        return ""
    rest = lines[line - 1][column - 1:].strip()
    ends = line == len(lines) and not any(c.isspace() for c in rest)
    return f"{_at(line, column)}, near: {rest[:20]}" + (" (is it complete?)" if ends else "")


def _at(line: int | None, column: int | None) -> str:
    if column is None:
        return ""
    return f" at column {column}" if line in (None, 1) else f" at line {line}, column {column}"


_OPERATORS = {"relation_eq": "==", "relation_ne": "!=", "relation_lt": "<",
              "relation_le": "<=", "relation_gt": ">", "relation_ge": ">=",
              "relation_in": "in", "addition_add": "+", "addition_sub": "-",
              "multiplication_mul": "*", "multiplication_div": "/",
              "multiplication_mod": "%"}


def _explain(error: Exception) -> str:
    """celpy's message, in CEL's own words (operators, type names) and at most one line."""
    text = str(error.args[0]) if error.args else type(error).__name__
    if text == "invalid_argument" and len(error.args) > 1 and error.args[1] is IndexError:
        text = "list index out of range"
    # a rule's name is a Token when Lark built the parser, a string when it loaded its cache
    text = re.sub(r"Token\('RULE', '(\w+)'\)|'(\w+)'",
                  lambda found: "'" + _OPERATORS.get(found.group(1) or found.group(2),
                                                     found.group(1) or found.group(2)) + "'",
                  text)
    text = re.sub(r"<class 'celpy\.celtypes\.(\w+?)(Type)?'>",
                  lambda found: found.group(1).lower(), text)
    text = text.splitlines()[0] if text else text
    return text if len(text) <= 300 else text[:299] + "…"


_Stack = list[tuple[Any, frozenset[str], int, bool, int]]
"""Nodes to visit: node, the macro variables bound there, how many comprehensions enclose it,
whether it continues a field chain, and its level in the tree."""


class _Shape:
    """What a parsed expression reads and calls, and what bounds its work; `walk` says what
    is wrong with it, if anything."""

    def __init__(self, variables: frozenset[str]) -> None:
        self.variables = variables
        self.nesting = 0
        self.widest_literal = 0
        self.concatenations = 0
        self.reads: list[tuple[int, int, tuple[str, ...]]] = []

    def walk(self, tree: lark.Tree[Any]) -> str | None:
        """Visit every node (without recursion: a deep tree is fine); the first problem."""
        stack: _Stack = [(tree, frozenset(), 0, False, 1)]
        while stack:
            node, bound, depth, in_chain, level = stack.pop()
            if not hasattr(node, "data"):
                continue  # a token: literals, operators, field names
            if level > MAX_TREE_DEPTH:
                return (f"the expression is nested too deeply (over {MAX_TREE_DEPTH} levels: "
                        "fewer parentheses or operators in a row)")
            problem = self._visit(node, bound, depth, in_chain, level, stack)
            if problem is not None:
                return problem
        return None

    def _visit(self, node: Any, bound: frozenset[str], depth: int, in_chain: bool, level: int,
               stack: _Stack) -> str | None:
        data, children = str(node.data), node.children
        if data in ("ident", "dot_ident"):
            return self._name(children[0], bound if data == "ident" else frozenset())
        if data in ("ident_arg", "dot_ident_arg") and not _known_function(str(children[0])):
            return _unknown_function(children[0])
        if data == "member_dot_arg":
            return self._method(node, bound, depth, level, stack)
        if data == "member_object":
            return f"message construction is not supported{_at(*_where(node))}"
        if data in ("member_dot", "member_index") and not in_chain:
            self._record(node, bound)
        if data in ("list_lit", "map_lit") and children:
            self.widest_literal = max(self.widest_literal, len(children[0].children))
        self.concatenations += data == "addition_add"
        selects = data in ("member_dot", "member_index")
        chain = selects or (in_chain and data in ("member", "primary"))
        stack.extend((child, bound, depth, chain and not (selects and i), level + 1)
                     for i, child in reversed(list(enumerate(children))))
        return None

    def _name(self, token: Any, bound: frozenset[str]) -> str | None:
        name = str(token)
        if name in bound or name in self.variables or name in TYPE_NAMES:
            return None
        return (f"unknown variable '{name}'{_at(*_where(token))}: the variables here are "
                f"{', '.join(sorted(self.variables))}")

    def _method(self, node: Any, bound: frozenset[str], depth: int, level: int,
                stack: _Stack) -> str | None:
        member, name, *rest = node.children
        arguments = list(rest[0].children) if rest else []
        if str(name) in NOT_STANDARD:
            return f"'{name}' is not a standard CEL macro{_at(*_where(name))}"
        if str(name) not in MACROS:
            if not _known_function(str(name)):
                return _unknown_function(name)
            if str(name) == "matches" and len(arguments) == 1:
                problem = _pattern_problem(arguments[0], name)
                if problem is not None:
                    return problem
            stack.extend((child, bound, depth, False, level + 1)
                         for child in [member, *arguments])
            return None
        binder = _identifier(arguments[0]) if len(arguments) == 2 else None
        if binder is None:
            return (f"{name}() takes a variable name and an expression, e.g. "
                    f"tools.{name}(t, t.type == 'function'){_at(*_where(name))}")
        self.nesting = max(self.nesting, depth + 1)
        if self.nesting > MAX_NESTING:
            return (f"comprehensions ({', '.join(sorted(MACROS))}) nest {self.nesting} deep; "
                    f"at most {MAX_NESTING} are allowed")
        stack.append((member, bound, depth, False, level + 1))
        stack.append((arguments[1], bound | {binder}, depth + 1, False, level + 1))
        return None

    def _record(self, node: Any, bound: frozenset[str]) -> None:
        chain = _chain(node)
        if chain is not None and chain[0] in self.variables and chain[0] not in bound:
            line, column = _where(node)
            self.reads.append((line or 0, column or 0, chain))

    def sorted_reads(self) -> list[tuple[str, ...]]:
        return [chain for _, _, chain in sorted(self.reads)]

    def too_costly(self) -> str | None:
        width = self.widest_literal * (self.concatenations + 1)
        if self.nesting and width**self.nesting > MAX_ITERATIONS:
            return (f"it could make {width**self.nesting:,} iterations over its own lists; "
                    f"the limit is {MAX_ITERATIONS:,}")
        return None


def _literal(node: Any) -> str | None:
    """The value of a string literal argument (None: the argument is no plain literal)."""
    while hasattr(node, "children") and len(node.children) == 1:
        node = node.children[0]
    if getattr(node, "type", None) not in ("STRING_LIT", "MLSTRING_LIT"):
        return None
    cel = _celpy()
    value = _environment().program(_environment().compile(str(node))).evaluate({})
    return str(value) if isinstance(value, cel.celtypes.StringType) else None


def _pattern_problem(argument: Any, name: Any) -> str | None:
    """Why a literal `matches()` pattern is no RE2 pattern, checked here with RE2's own
    logging off: its C++ logger would print the pattern, a pull request's text, raw on
    standard error, around every escape (None: it compiles, or is no literal)."""
    pattern = _literal(argument)
    if pattern is None:
        return None
    try:
        _re2(pattern)
    except Exception as exc:  # re2.error
        reason = exc.args[0].decode(errors="replace") if exc.args and isinstance(
            exc.args[0], bytes) else str(exc)
        quoted = shown(json.dumps(reason, ensure_ascii=False))  # one line, escapes shown
        return f"the pattern of matches() is not a valid RE2 expression ({quoted})" \
               f"{_at(*_where(name))}"
    return None


def _re2(pattern: str) -> Any:
    """`pattern` compiled by RE2 with its logging off (an invalid one raises `re2.error`)."""
    import re2  # type: ignore[import-untyped]

    options = re2.Options()
    options.log_errors = False
    return re2.compile(pattern, options)


def _matches(text: Any, pattern: Any) -> Any:
    """CEL's `matches()`, as celpy's but with RE2's logging off (a pattern built from input
    and invalid is an evaluation error, and nothing is written to standard error)."""
    cel = _celpy()
    strings = cel.celtypes.StringType
    if not (isinstance(text, strings) and isinstance(pattern, strings)):  # as celpy: no
        return cel.CELEvalError("no such overload", TypeError, (text, pattern))  # coercion
    try:
        compiled = _re2(str(pattern))
    except Exception as exc:  # re2.error
        return cel.CELEvalError("match error", exc.__class__, exc.args)
    return cel.celtypes.BoolType(compiled.search(str(text)) is not None)


def _where(node: Any) -> tuple[int | None, int | None]:
    """Where a token, or a tree's first token, is."""
    place = getattr(node, "meta", node)
    return (getattr(place, "line", None), getattr(place, "column", None))


def _known_function(name: str) -> bool:
    from celpy.evaluation import base_functions

    return name in base_functions or name in EXTRA_FUNCTIONS


def _unknown_function(token: Any) -> str:
    from celpy.evaluation import base_functions

    from reconciler.manifests.structure import did_you_mean

    known = sorted(n for n in [*base_functions, *EXTRA_FUNCTIONS, *MACROS] if n[0].isalpha())
    close = did_you_mean(str(token), known)
    return f"unknown function '{token}'{_at(*_where(token))}" + (f" ({close})" if close else "")


def _identifier(node: Any) -> str | None:
    """The name an expression is, when it is a bare identifier (a macro's variable)."""
    while hasattr(node, "data") and str(node.data) != "ident" and len(node.children) == 1:
        node = node.children[0]
    if hasattr(node, "data") and str(node.data) == "ident":
        return str(node.children[0])
    return None


def _string(node: Any) -> str | None:
    """The text of an expression that is a plain quoted string literal."""
    while hasattr(node, "data") and len(node.children) == 1:
        node = node.children[0]
    text = str(node) if not hasattr(node, "data") else ""
    if len(text) >= 2 and text[0] in "'\"" and text[-1] == text[0] and "\\" not in text:
        return text[1:-1]
    return None


def _chain(node: Any) -> tuple[str, ...] | None:
    """`a.b['c']` of a field selection, from its outermost node, as ("a", "b", "c"); only
    `a.b` of `a.b[i].c` (None: it starts elsewhere)."""
    names: list[str] = []
    while hasattr(node, "data"):
        data = str(node.data)
        if data == "member_dot":
            names.append(str(node.children[1]))
            node = node.children[0]
        elif data == "member_index":
            key = _string(node.children[1])
            names = [] if key is None else [*names, key]  # a computed key: what it indexes
            node = node.children[0]
        elif data in ("member", "primary") and len(node.children) == 1:
            node = node.children[0]
        elif data == "ident":
            names.append(str(node.children[0]))
            return tuple(reversed(names))
        else:
            return None
    return None
