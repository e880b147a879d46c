"""Untrusted manifests: every bomb or malformed input gives one diagnostic with its code and
place, fast and in little memory; never a traceback, a hang or gigabytes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from reconciler.diagnostics import Code, Diagnostics, Location, Severity
from reconciler.manifests.loader import (
    MAX_MANIFEST_BYTES,
    discover,
    display_path,
    load_file,
    load_text,
)
from reconciler.manifests.project import load_manifest_set
from reconciler.manifests.templates import MAX_EXPANDED_LENGTH, expanded_length, fill
from reconciler.manifests.yamltext import ALIAS_BUDGET_MINIMUM, MAX_DEPTH, MAX_FILE_NODES
from tests.conftest import REPO, WriteTree
from tests.yaml_plain import PlainValueError, to_plain

HEAD = "apiVersion: reconciler/v1\nkind: Assistant\nmetadata: {name: a}\n"
MANIFEST = HEAD + "spec:\n  model: gpt-6-luna\n"


def _errors(text: str) -> list[tuple[str, int | None, int | None]]:
    diagnostics = Diagnostics()
    load_text(text, "f.yaml", diagnostics)
    return [(d.code.value, d.location.line, d.location.column) for d in diagnostics.sorted()
            if d.location is not None]


def _laughs(levels: int = 9) -> str:
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels):
        lines.append(f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * 10) + "]")
    return HEAD + "spec:\n  model: gpt-6-luna\n  metadata:\n" + "".join(
        f"    {line}\n" for line in lines)


def _merge_bomb(levels: int = 9) -> str:
    lines = ["m0: &m0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9, j: 10}"]
    for level in range(1, levels):
        lines.append(f"m{level}: &m{level} {{<<: [" + ", ".join([f"*m{level - 1}"] * 10)
                     + f"], k{level}: x}}")
    return "\n".join(lines) + "\n"


# --- bombs, each read by a child process whose time and memory are measured -------------

CHILD = """
import json, resource, sys, time
from pathlib import Path
from reconciler.diagnostics import Diagnostics
from reconciler.manifests.loader import load_file
from reconciler.manifests.project import load_manifest_set
start = time.perf_counter()
if sys.argv[2] == "file":
    diagnostics = Diagnostics()
    load_file(Path(sys.argv[1]), diagnostics)
else:
    diagnostics = load_manifest_set([sys.argv[1]]).diagnostics
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "errors": [[d.code.value, d.location.line] for d in diagnostics.sorted()
                             if d.severity.value == "error"]}))
"""
TIMEOUT = 10.0
"""Seconds a child may take in all; the reading itself must take under `FAST`."""
FAST = 2.0
MEMORY_MB = 100.0
"""Growth of the child's peak memory over a child reading a small manifest."""


def _child(path: Path, how: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-c", CHILD, str(path), how], cwd=REPO,
                          capture_output=True, text=True, timeout=TIMEOUT, check=True)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@pytest.fixture(scope="module")
def baseline_mb(tmp_path_factory: pytest.TempPathFactory) -> float:
    path = tmp_path_factory.mktemp("baseline") / "a.yaml"
    path.write_text(MANIFEST)
    return max(float(_child(path, how)["rss_mb"]) for how in ("file", "set"))


def _many_aliases() -> str:
    return "a: &a x\nb: [" + ",".join(["*a"] * (MAX_MANIFEST_BYTES // 3 - 10)) + "]\n"


def _placeholder_bomb() -> str:
    """Ten billion characters, if built; the instructions as written are under the API's
    256,000 characters."""
    return (HEAD + "spec:\n  model: gpt-6-luna\n  vars:\n    x: " + "x" * 200_000 + "\n"
            + '  instructions: "' + "{{x}}" * 50_000 + '"\n')


def _laughs_in_every_document() -> str:
    """Fifty thousand values per document, under the minimum budget, in 200 documents."""
    laughs = ("l0: &l0 [lol, lol, lol, lol, lol]\n" + "".join(
        f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]\n" for i in range(1, 5)))
    return "---\n".join([laughs] * 200)


BOMBS = {
    # name: (text, how it is read, the errors expected: code and line)
    "billion-laughs": (_laughs, "file", [[Code.YAML_ALIAS_LIMIT, 1]]),
    "merge-key-bomb": (_merge_bomb, "file", [[Code.YAML_ALIAS_LIMIT, 1]]),
    "laughs-in-every-document": (_laughs_in_every_document, "file",
                                 [[Code.YAML_ALIAS_LIMIT, 7]]),
    "ten-mib-of-aliases": (_many_aliases, "file", [[Code.YAML_ALIAS_LIMIT, 1]]),
    "recursive-alias-in-every-document": (
        lambda: "---\n- &x [a, *x]\n" * 20_000, "file",
        [[Code.YAML_RECURSIVE_ALIAS, 2 * n + 2] for n in range(200)]),  # the first 200
    "five-million-nodes": (lambda: "a: [" + "b," * (MAX_MANIFEST_BYTES // 2 - 8) + "]\n",
                           "file", [[Code.MANIFEST_TOO_LARGE, None]]),
    "tagged-nodes": (lambda: "a: [" + "!x ," * (MAX_MANIFEST_BYTES // 4 - 8) + "]\n",
                     "file", [[Code.MANIFEST_TOO_LARGE, None]]),
    "deep-nesting": (lambda: "a: " + "[" * 100_000 + "]" * 100_000 + "\n", "file",
                     [[Code.YAML_SYNTAX, 1]]),
    "placeholder-bomb": (_placeholder_bomb, "set", [[Code.EXPANSION_TOO_LARGE, 8]]),
}


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_bombs_stop_fast_in_little_memory(name: str, tmp_path: Path,
                                          baseline_mb: float) -> None:
    make, how, expected = BOMBS[name]
    path = tmp_path / f"{name}.yaml"
    path.write_text(make())
    assert path.stat().st_size <= MAX_MANIFEST_BYTES
    result = _child(path, how)
    assert result["errors"] == expected
    assert result["seconds"] < FAST, result
    assert result["rss_mb"] - baseline_mb < MEMORY_MB, result


# --- aliases ------------------------------------------------------------------------------

def test_legit_anchors_aliases_and_merge_keys_still_work() -> None:
    diagnostics = Diagnostics()
    (doc,) = load_text("base: &base {model: &m gpt-6-luna, tools: [x, y]}\n"
                       "copy: *base\n"
                       "over: {<<: *base, model: o3}\n"
                       "many: {<<: [*base, {extra: 1}], tools: []}\n"
                       "model: *m\n", "f.yaml", diagnostics)
    assert not list(diagnostics)
    base = {"model": "gpt-6-luna", "tools": ["x", "y"]}
    assert doc.data == {"base": base, "copy": base, "over": {**base, "model": "o3"},
                        "many": {**base, "tools": [], "extra": 1}, "model": "gpt-6-luna"}
    assert doc.data["copy"] is not doc.data["base"]          # built again, not shared
    assert doc.locate(("copy", "tools", 1)).line == 1         # where the anchor's value is


def test_merge_keys_in_a_manifest(write_tree: WriteTree) -> None:
    write_tree({"a.yaml": HEAD.replace("{name: a}", "{name: a, labels: &owner {team: web}}")
                + "spec:\n  model: gpt-6-luna\n  metadata:\n    <<: *owner\n    channel: chat\n"})
    result = load_manifest_set(["."])
    assert not result.diagnostics.has_errors, [d.message for d in result.diagnostics]
    assert result.resources[0].body["metadata"] == {"team": "web", "channel": "chat"}


def test_aliases_may_expand_a_document_tenfold() -> None:
    items = 15_000
    anchor = "a: &a [" + ",".join(["x"] * items) + "]\n"
    assert _errors(anchor + "b: [" + ",".join(["*a"] * 8) + "]\n") == []
    assert 8 * items > ALIAS_BUDGET_MINIMUM
    assert _errors(anchor + "b: [" + ",".join(["*a"] * 12) + "]\n") == [
        ("yaml-alias-limit", 1, 1)]


@pytest.mark.parametrize(("text", "line", "column"), [
    ("metadata: &x {k: *x}\n", 1, 18),
    ("a: &x [*x]\n", 1, 8),
    ("base: &x {<<: *x}\n", 1, 15),
    ("a: &x\n  b:\n    - c: *x\n", 3, 10),
    ("a: &x {b: &y {c: *x}}\nd: *y\n", 1, 18),
])
def test_recursive_aliases_are_refused_at_the_alias(text: str, line: int, column: int) -> None:
    assert _errors(text) == [("yaml-recursive-alias", line, column)]


def test_nesting_is_bounded() -> None:
    deep = "a: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "\n"
    assert _errors(deep) == [("yaml-syntax", 1, 4 + MAX_DEPTH - 1)]
    assert _errors("a: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "\n") == []
    nested_by_aliases = "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 2 * MAX_DEPTH))
    assert _errors("a0: &a0 [x]\n" + nested_by_aliases)[0][0] == "yaml-syntax"


def test_too_many_nodes() -> None:
    assert _errors("a: [" + "b," * MAX_FILE_NODES + "]\n") == [("manifest-too-large", None, None)]


# --- tags and numbers ---------------------------------------------------------------------

@pytest.mark.parametrize(("text", "column"), [
    ("model: !Ref default\n", 8),
    ("model: !!python/name:os.system\n", 8),
    ("run: !!python/object/apply:os.system [echo]\n", 6),
    ("data: !!binary aGVsbG8=\n", 7),
    ("set: !!set {a, b}\n", 6),
    ("omap: !!omap [a: 1]\n", 7),
    ("map: !foo {a: 1}\n", 6),
    ("seq: !bar [1]\n", 6),
    ("wrong: !!seq {a: 1}\n", 8),
    ("scalar: !!map x\n", 9),
    ("key: {!Ref k: v}\n", 7),
    ("merge: {<<: !foo [{a: 1}]}\n", 13),
])
def test_unknown_tags_are_errors_at_the_tag(text: str, column: int) -> None:
    assert _errors(text) == [("yaml-unknown-tag", 1, column)]


def test_unknown_tag_message_names_the_tag() -> None:
    diagnostics = Diagnostics()
    load_text("model: !!python/name:os.system\n", "f.yaml", diagnostics)
    (problem,) = diagnostics
    assert "'!!python/name:os.system'" in problem.message


def test_standard_tags_are_accepted() -> None:
    diagnostics = Diagnostics()
    (doc,) = load_text("s: !!str 123\nq: !!int '12'\nf: !!float 1\nb: !!bool true\n"
                       "n: !!null ~\nm: !!map {a: 1}\nl: !!seq [1]\nt: !!timestamp 2026-01-02\n"
                       "plain: 0x1F\n", "f.yaml", diagnostics)
    assert not list(diagnostics)
    assert doc.data == {"s": "123", "q": 12, "f": 1.0, "b": True, "n": None, "m": {"a": 1},
                        "l": [1], "t": "2026-01-02", "plain": 31}


def test_a_value_that_does_not_fit_its_tag() -> None:
    assert _errors("a: !!int abc\n") == [("yaml-syntax", 1, 4)]


@pytest.mark.parametrize("number", [
    "9" * 5000, "1" + "0" * 30, "-" + "9" * 31, "0x" + "f" * 40, "1_" + "0" * 40, "1e999",
    "-1e999", ".inf", "-.Inf", ".nan",
])
def test_numbers_json_cannot_carry_are_refused(number: str) -> None:
    assert _errors(f"a: {number}\n") == [("number-too-large", 1, 4)]


def test_numbers_up_to_the_limit_and_odd_plain_scalars() -> None:
    diagnostics = Diagnostics()
    (doc,) = load_text(f"a: {'9' * 30}\nb: -_\nc: ._\nd: 0b_\ne: <<\nf: 1e308\n'{'9' * 40}': x\n",
                       "f.yaml", diagnostics)
    assert not list(diagnostics)
    assert doc.data == {"a": int("9" * 30), "b": "-_", "c": "._", "d": "0b_", "e": "<<",
                        "f": 1e308, "9" * 40: "x"}


def test_a_refused_value_drops_its_document_only() -> None:
    diagnostics = Diagnostics()
    documents = load_text("a: !Ref x\n---\nb: 1\n", "f.yaml", diagnostics)
    assert [d.data for d in documents] == [{"b": 1}]
    assert [d.code for d in diagnostics] == [Code.YAML_UNKNOWN_TAG]


# --- characters and encodings -------------------------------------------------------------

@pytest.mark.parametrize(("text", "line", "column"), [
    ("a: b\nc: d\x00e\n", 2, 5),
    ("a: \"\x07\"\n", 1, 5),
    ("a: é\x7f\n", 1, 5),
    ("# \x1b[31m\n", 1, 3),
    ("a: \ud800\n", 1, 4),
])
def test_characters_yaml_forbids(text: str, line: int, column: int) -> None:
    assert _errors(text) == [("yaml-encoding", line, column)]


def test_a_nul_byte_in_a_file(tmp_path: Path) -> None:
    path = tmp_path / "nul.yaml"
    path.write_bytes(MANIFEST.encode() + b"  instructions: say\x00hi\n")
    diagnostics = Diagnostics()
    assert load_file(path, diagnostics) == []
    (problem,) = diagnostics
    assert problem.location is not None
    assert (problem.code, problem.location.line, problem.location.column) == (
        Code.YAML_ENCODING, 6, 20)
    assert "U+0000" in problem.message


@pytest.mark.parametrize(("content", "line", "column"), [
    (b"a: 1\nkind: \xc3\x28x\n", 2, 7),
    (b"a: \xc3\xa9\xff\n", 1, 5),
    (b"a: b\n\xe2\x82", 2, 1),
])
def test_invalid_utf8(tmp_path: Path, content: bytes, line: int, column: int) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(content)
    diagnostics = Diagnostics()
    assert load_file(path, diagnostics) == []
    (problem,) = diagnostics
    assert problem.location is not None
    assert (problem.code, problem.location.line, problem.location.column) == (
        Code.YAML_ENCODING, line, column)


# --- files --------------------------------------------------------------------------------

def test_a_large_file_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as file:
        file.truncate(64 * 1024**3)  # sparse: reading it whole would take 64 GiB
    diagnostics = Diagnostics()
    assert load_file(path, diagnostics) == []
    assert [d.code for d in diagnostics] == [Code.MANIFEST_TOO_LARGE]
    path.write_bytes(b"#" * (MAX_MANIFEST_BYTES + 1))
    assert [d.code for d in _load_file(path)] == [Code.MANIFEST_TOO_LARGE]
    path.write_bytes(b"#" * MAX_MANIFEST_BYTES)
    assert list(_load_file(path)) == []


def _load_file(path: Path) -> Diagnostics:
    diagnostics = Diagnostics()
    load_file(path, diagnostics)
    return diagnostics


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_without_being_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "x.yaml"
    os.mkfifo(fifo)
    found = discover([str(tmp_path), str(fifo)], diagnostics=Diagnostics())
    assert found == [fifo.resolve()]
    outcome: list[Diagnostics] = []
    reader = threading.Thread(target=lambda: outcome.append(_load_file(fifo)), daemon=True)
    reader.start()
    reader.join(timeout=5)
    assert not reader.is_alive(), "opening the FIFO blocked"
    (problem,) = outcome[0]
    assert (problem.code, problem.location) == (Code.NOT_A_REGULAR_FILE,
                                                Location(file=display_path(fifo)))
    assert "FIFO" in problem.message


def test_a_device_is_refused(tmp_path: Path) -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    link = tmp_path / "zero.yaml"
    link.symlink_to("/dev/zero")
    assert [d.code for d in _load_file(link)] == [Code.NOT_A_REGULAR_FILE]


# --- placeholders -------------------------------------------------------------------------

def test_a_placeholder_bomb_is_refused_before_it_is_built() -> None:
    with pytest.raises(ValueError, match="10,000,000,000 characters"):
        fill("{{x}}" * 100_000, {"x": "y" * 100_000})
    text, missing, used = fill("{{x}}" * 10, {"x": "y" * (MAX_EXPANDED_LENGTH // 10)})
    assert (len(text), missing, used) == (MAX_EXPANDED_LENGTH, [], {"x"})


def test_placeholder_bomb_in_a_manifest_is_reported_at_the_field(write_tree: WriteTree) -> None:
    write_tree({"a.yaml": MANIFEST + "  vars: {x: " + "y" * 2000 + "}\n"
                + '  instructions: "' + "{{ x }}" * 600 + '"\n'})
    (problem,) = load_manifest_set(["."]).diagnostics
    assert (problem.severity, problem.code, problem.location, problem.path) == (
        Severity.ERROR, Code.EXPANSION_TOO_LARGE, Location(file="a.yaml", line=7, column=3),
        "spec.instructions")
    assert "1,200,000 characters" in problem.message


def test_values_are_filled_in_once() -> None:
    variables = {"a": "{{ b }}", "b": "{{ a }}", "c": "\\{{ a }}"}
    assert fill("{{a}} {{ c }}", variables) == ("{{ b }} \\{{ a }}", [], {"a", "c"})


@pytest.mark.parametrize("text", ["", "plain", "{{a}}{{b}}", "\\{{a}} {{ missing }} {{a}}",
                                  "{{ a }}{ {b} }{{b}}"])
def test_expanded_length_is_the_length_of_the_filled_text(text: str) -> None:
    variables = {"a": "four", "b": True}
    assert expanded_length(text, variables)[0] == len(fill(text, variables)[0])


# --- to_plain, which the published-schema tests use on ruamel's values -------------------

@pytest.mark.parametrize("text", [_laughs(), "a: !Ref x\n", "a: !!set {x}\n", "a: !foo {x: 1}\n",
                                  "a: !!binary aGk=\n", f"a: {'9' * 100}\n", "a: 1e999\n",
                                  "a: !!omap [b: 1]\n"])
def test_to_plain_refuses_what_the_reader_refuses(text: str) -> None:
    with pytest.raises(PlainValueError):
        to_plain(YAML().load(text))


def test_to_plain_refuses_values_that_hold_themselves() -> None:
    with pytest.raises(PlainValueError, match="itself"):
        to_plain(YAML(typ="safe").load("a: &x [*x]\n"))


def test_to_plain_keeps_plain_values() -> None:
    loaded = YAML().load("s: !!str 12\nb: &t true\nc: *t\nl: &l [1, 2]\nm: *l\n")
    assert to_plain(loaded) == {"s": "12", "b": True, "c": True, "l": [1, 2], "m": [1, 2]}


def test_one_long_string_aliased_many_times_is_refused(tmp_path: Path) -> None:
    big = "A" * (1024 * 1024)
    text = f"name: &a \"{big}\"\nfiles: [" + ", ".join(["*a"] * 1000) + "]\n"
    diagnostics = Diagnostics()
    assert load_text(text, "bomb.yaml", diagnostics) == []
    (problem,) = list(diagnostics)
    assert problem.code is Code.YAML_ALIAS_LIMIT and "characters" in problem.message


def test_a_file_of_thousands_of_problems_reports_the_first_ones(write_tree: WriteTree) -> None:
    from click.testing import CliRunner

    from reconciler.cli import cli

    write_tree({"bad.yaml": "k: [" + ", ".join(["!x a"] * 5000) + "]\n"})
    result = CliRunner().invoke(cli, ["validate", "bad.yaml"])
    assert result.exit_code == 1
    assert result.output.count("error[yaml-unknown-tag]") == 200
    assert "bad.yaml: 4800 more problems not shown (the first 200 are)" in result.output
    assert "5000 errors, 0 warnings" in result.output
