"""Reading files: discovery, multi-document files, positions, plain values."""

from __future__ import annotations

import datetime as dt

import pytest

from reconciler.diagnostics import Code, Diagnostics
from reconciler.manifests.loader import discover, load_text
from reconciler.manifests.project import load_manifest_set
from tests.conftest import WriteTree
from tests.yaml_plain import to_plain

ASSISTANT = """
apiVersion: reconciler/v1
kind: Assistant
metadata: {{name: {name}}}
spec: {{model: gpt-6-luna}}
"""


def test_nested_folders_globs_and_exclude(write_tree: WriteTree) -> None:
    write_tree({
        "m/a.yaml": ASSISTANT.format(name="a"),
        "m/deep/er/b.yml": ASSISTANT.format(name="b"),
        "m/.hidden/c.yaml": ASSISTANT.format(name="c"),
        "m/notes.txt": "not yaml",
        "m/drafts/d.yaml": ASSISTANT.format(name="d"),
    })
    diagnostics = Diagnostics()
    found = discover(["m"], exclude=["m/drafts/*"], diagnostics=diagnostics)
    assert [p.name for p in found] == ["a.yaml", "b.yml"]
    assert [p.name for p in discover(["m/**/*.yml"], diagnostics=diagnostics)] == ["b.yml"]
    assert not diagnostics.has_errors


def test_several_documents_per_file_and_empty_documents(write_tree: WriteTree) -> None:
    text = ASSISTANT.format(name="a") + "---\n# only a comment\n---\n" + ASSISTANT.format(
        name="b")
    write_tree({"all.yaml": text})
    result = load_manifest_set(["."])
    assert [r.name for r in result.resources] == ["a", "b"]
    assert result.documents == 2
    assert result.resources[1].source.line == 9


def test_positions_of_keys_and_items() -> None:
    diagnostics = Diagnostics()
    (doc,) = load_text("a: 1\nb:\n  c:\n    - x\n    - {y: 2}\n", "f.yaml", diagnostics)
    assert doc.locate(("b", "c", 1, "y")).model_dump() == {"file": "f.yaml", "line": 5,
                                                           "column": 8}
    assert doc.locate(("b", "missing", 3)).line == 2     # deepest existing ancestor
    assert doc.locate(()).line == 1


def test_errors_in_one_file_do_not_hide_errors_in_another(write_tree: WriteTree) -> None:
    write_tree({"a.yaml": "a: [1,\n", "b.yaml": ASSISTANT.format(name="B")})
    codes = sorted(d.code for d in load_manifest_set(["."]).diagnostics)
    assert codes == [Code.INVALID_VALUE, Code.YAML_SYNTAX]


def test_every_error_of_a_document_is_reported(write_tree: WriteTree) -> None:
    write_tree({"a.yaml": """
        apiVersion: reconciler/v1
        kind: Assistant
        metadata: {name: a}
        spec:
          model: gpt-6-luna
          temprature: 0.2
          top_p: 7
          tools: [{type: web_search}, 12]
        """})
    lines = [d.location.line for d in load_manifest_set(["."]).diagnostics.sorted()]
    assert lines == [6, 7, 8, 8]


def test_plain_values() -> None:
    diagnostics = Diagnostics()
    (doc,) = load_text("d: 2026-08-26\nf: 1.5\nb: yes\nn: ~\nk: {1: x}\n", "f", diagnostics)
    assert doc.data == {"d": "2026-08-26", "f": 1.5, "b": "yes", "n": None, "k": {"1": "x"}}
    assert to_plain(dt.date(2026, 1, 2)) == "2026-01-02"


def test_missing_path_and_empty_folder(write_tree: WriteTree) -> None:
    write_tree({"empty/readme.md": "# nothing"})
    assert [d.code for d in load_manifest_set(["nope"]).diagnostics] == [Code.PATH_NOT_FOUND]
    (empty,) = load_manifest_set(["empty"]).diagnostics
    assert (empty.code, empty.severity.value) == (Code.NO_MANIFESTS, "error")


def test_an_empty_value_is_named_once(write_tree: WriteTree) -> None:
    write_tree({"t.yaml": "apiVersion: reconciler/v1\nkind: Template\nmetadata: {name: t}\n"
                          "spec:\n  vars:\n  model: gpt-6-luna\n"})
    [problem] = list(load_manifest_set(["t.yaml"]).diagnostics)
    assert (problem.code, problem.message) == (Code.INVALID_TYPE,
                                               "expected object, got null")


@pytest.mark.parametrize(("text", "hint"), [
    ("apiVersion: reconciler/v1\nkind: Agent\nspec:\n\tname: A\n",
     "line 4 is indented with a tab: YAML indents with spaces only"),
    ("apiVersion: reconciler/v1\nkind: Agent\nspec:\n  name: A\n    model: m\n",
     "line 5 is indented deeper than the key before it (line 4)"),
])
def test_yaml_syntax_errors_say_what_usually_causes_them(text: str, hint: str) -> None:
    from reconciler.diagnostics import Diagnostics
    from reconciler.manifests.yamltext import load_text

    diagnostics = Diagnostics()
    load_text(text, "a.yaml", diagnostics)
    [problem] = list(diagnostics)
    assert problem.code.value == "yaml-syntax" and hint in (problem.hint or "")
