"""Plan text and rendered manifests cannot inject CI workflow commands, and multi-line text is
indented the same way whatever it holds."""

from __future__ import annotations

from reconciler.escape import escape_workflow_commands
from reconciler.plan.model import Action, FieldChange, Plan, ResourceChange
from reconciler.render.plan import render_markdown, render_text
from tests.conftest import WriteTree

HOSTILE = "Be brief.\n::add-mask::hunter2\n  ::warning file=x::pwned\n##[group]fake\n    indented"


def _plan() -> Plan:
    created = ResourceChange(
        address="Assistant/a", kind="Assistant", name="a", action=Action.CREATE,
        after={"name": "A", "model": "gpt-6-luna", "instructions": HOSTILE}, body={})
    updated = ResourceChange(
        address="Assistant/b", kind="Assistant", name="b", action=Action.UPDATE,
        live_id="asst_1", before={}, after={}, body={}, fields=(FieldChange(
            path="instructions", before="Hello.\n    keep this\n::old::x", after=HOSTILE),))
    return Plan(endpoint="http://x/v1", changes=(created, updated))


def _commands(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.lstrip().startswith(("::", "##["))]


def test_no_plan_line_is_a_workflow_command() -> None:
    for text in (render_text(_plan()), render_markdown(_plan())):
        assert "::add-mask::hunter2" in text, "the content is still shown"
        assert _commands(text) == []


def test_multi_line_values_and_diffs_are_indented_consistently() -> None:
    lines = render_text(_plan()).split("\n")
    value = [line for line in lines if "Be brief." in line]
    assert value == ["            Be brief.", "          +Be brief."]
    # a value line that starts with spaces stays a value line; a diff line keeps its marker
    # (a removed line indented by four spaces lost its `-` before)
    assert "                indented" in lines
    assert "          +    indented" in lines
    assert "          -    keep this" in lines


def test_escaping_keeps_ordinary_text_and_marks_commands() -> None:
    assert escape_workflow_commands("a ::b\nc") == "a ::b\nc"
    escaped = escape_workflow_commands("x\n  ::set-output name=a::b")
    assert escaped == "x\n  \\::set-output name=a::b"


def test_rendered_manifests_quote_text_a_runner_would_obey() -> None:
    from ruamel.yaml import YAML

    from reconciler.diagnostics import Location
    from reconciler.model.desired import DesiredResource
    from reconciler.render.resolved import render_yaml

    resource = DesiredResource(kind="Assistant", name="a", source=Location(file="a.yaml"),
                               body={"instructions": HOSTILE, "description": "two\nlines"})
    text = render_yaml([resource])
    assert _commands(text) == []
    assert "description: |-\n    two\n    lines" in text, "other text stays a block"
    assert YAML(typ="safe").load(text)["body"]["instructions"] == HOSTILE


def test_diagnostics_and_errors_cannot_inject(write_tree: WriteTree) -> None:
    from click.testing import CliRunner

    from reconciler.cli import cli

    write_tree({"a.yaml": 'apiVersion: reconciler/v1\nkind: Tool\nmetadata: {name: t}\n'
                          'spec: {type: file_search, "x\\n::add-mask::y": 1}\n'})
    result = CliRunner().invoke(cli, ["validate", "."])
    assert result.exit_code == 1 and "add-mask" in result.output
    assert _commands(result.output) == []


def test_colour_codes_and_carriage_returns_do_not_hide_a_command() -> None:
    """The runner ends a line at a lone CR, and click strips colour codes off a pipe."""
    import re

    for hostile in ("x\n\x1b[0m::add-mask::a", "x\r::add-mask::b", "x\r\n  ::warning::c",
                    "\x1b[31m\x1b[1m##[group]d", "x\n\x1b::e"):
        escaped = escape_workflow_commands(hostile)
        seen = re.sub(r"\x1b\[[;?0-9]*[a-zA-Z]|\x1b", "", escaped)
        assert _commands(seen.replace("\r\n", "\n").replace("\r", "\n")) == [], hostile
