"""Policy gates: CEL rules over each resolved resource (`validate`, every environment) and each
planned change (`policies.check_plan`), reported as located diagnostics, bounded, and without
loading the CEL interpreter in a project that has no policies."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from reconciler import ownership, policies
from reconciler.cli import cli
from reconciler.diagnostics import Code, Severity
from reconciler.exitcodes import ExitCode
from reconciler.kinds.policy import expressions
from reconciler.manifests.overlay import Overlay
from reconciler.manifests.project import load_manifest_set
from reconciler.plan.diff import diff
from reconciler.plan.model import Action
from reconciler.provider import LiveObject
from tests.conftest import EXAMPLES, WriteTree

ENDPOINT = "https://api.example.test/v1"
AGENT = """
apiVersion: reconciler/v1
kind: Agent
metadata:
  name: writer
  labels: {team: docs}
spec:
  model: gpt-6-luna
  instructions: Write.
"""
ASSISTANT = """
apiVersion: reconciler/v1
kind: Assistant
metadata:
  name: helper
  labels: {team: support, tier: cheap}
spec:
  model: gpt-5.6-luna
  instructions: Help.
  temperature: 0.5
"""
ENVIRONMENTS = """
manifests: [manifests]
environments:
  dev: {}
  prod:
    labels: {stage: prod}
"""


def policy(*rules: str, name: str = "gates") -> str:
    """A Policy manifest holding `rules` (each a YAML mapping of one rule, flow style)."""
    return (f"apiVersion: reconciler/v1\nkind: Policy\nmetadata: {{name: {name}}}\n"
            "spec:\n  rules:\n" + "".join(f"    - {rule}\n" for rule in rules))


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def validate_json(*args: str) -> tuple[int, list[dict[str, Any]]]:
    result = run("validate", "--format", "json", *args)
    return result.exit_code, json.loads(result.stdout)["diagnostics"]


def only(found: list[dict[str, Any]], code: Code) -> list[dict[str, Any]]:
    return [d for d in found if d["code"] == code.value]


# --- resource rules in validate -------------------------------------------------------


def test_a_violated_error_rule_fails_validate_at_the_field_it_reads(
        write_tree: WriteTree) -> None:
    write_tree({"m/agent.yaml": AGENT, "m/policy.yaml": policy(
        "{name: approved, expression: \"resource.spec.model in ['gpt-6.1-sol', 'gpt-5.6-terra']\", "
        "message: 'approved models only, not {{ resource.spec.model }}'}")})
    code, found = validate_json("m")
    assert code == ExitCode.ERROR
    [violation] = found
    assert violation == {
        "severity": "error", "code": "policy-violation",
        "message": "Agent/writer: approved models only, not gpt-6-luna",
        "file": "m/agent.yaml", "line": 7, "column": 3, "path": "spec.model",
        "hint": "rule 'approved' of Policy 'gates' (m/policy.yaml:6:24): "
                "resource.spec.model in ['gpt-6.1-sol', 'gpt-5.6-terra']"}


def test_a_violated_warning_rule_is_shown_and_validate_passes(write_tree: WriteTree) -> None:
    write_tree({"m/agent.yaml": AGENT, "m/policy.yaml": policy(
        "{name: reasoning, severity: warning, "
        "expression: \"resource.spec.model == 'gpt-6.1-sol'\"}")})
    result = run("validate", "m")
    assert result.exit_code == ExitCode.OK, result.output
    assert ("m/agent.yaml:7:3: warning[policy-violation] spec.model: Agent/writer: does not "
            "meet rule 'reasoning' of Policy 'gates'") in result.output
    assert "0 errors, 1 warning" in result.output


def test_a_rule_on_labels_or_name_points_at_the_manifest(write_tree: WriteTree) -> None:
    write_tree({"m/agent.yaml": AGENT, "m/policy.yaml": policy(
        "{name: owner, expression: \"'owner' in resource.labels\"}",
        "{name: short, expression: 'size(resource.name) < 3'}")})
    _, found = validate_json("m")
    assert [(d["line"], d["path"]) for d in found] == [(4, "metadata.name"),
                                                       (5, "metadata.labels")]


def test_github_format_annotates_the_resource_s_manifest(write_tree: WriteTree) -> None:
    write_tree({"m/agent.yaml": AGENT, "m/policy.yaml": policy(
        "{name: approved, expression: \"resource.spec.model == 'gpt-6.1-sol'\"}")})
    result = run("validate", "m", "--format", "github")
    assert result.exit_code == ExitCode.ERROR
    assert result.output.startswith(
        "::error file=m/agent.yaml,line=7,col=3,title=reconciler policy-violation::")


def test_match_selects_by_kind(write_tree: WriteTree) -> None:
    write_tree({"m/agent.yaml": AGENT, "m/assistant.yaml": ASSISTANT, "m/policy.yaml": policy(
        "{name: agents, match: {kinds: [Agent]}, expression: 'false'}",
        "{name: assistants, match: {kinds: [Assistant]}, expression: 'false'}",
        "{name: stores, match: {kinds: [VectorStore]}, expression: 'false'}",
        "{name: all, expression: 'false'}")})
    _, found = validate_json("m")
    assert sorted((d["message"].split(":")[0], d["message"].split("'")[1]) for d in found) == [
        ("Agent/writer", "agents"), ("Agent/writer", "all"),
        ("Assistant/helper", "all"), ("Assistant/helper", "assistants")]


def test_match_selects_by_labels(write_tree: WriteTree) -> None:
    write_tree({"m/agent.yaml": AGENT, "m/assistant.yaml": ASSISTANT, "m/policy.yaml": policy(
        "{name: cheap, match: {labels: {matchLabels: {tier: cheap}}}, expression: 'false'}",
        "{name: not-support, match: {labels: {matchExpressions: "
        "[{key: team, operator: NotIn, values: [support]}]}}, expression: 'false'}")})
    _, found = validate_json("m")
    assert sorted(d["message"] for d in found) == [
        "Agent/writer: does not meet rule 'not-support' of Policy 'gates'",
        "Assistant/helper: does not meet rule 'cheap' of Policy 'gates'"]


def test_match_selects_by_environment_and_validate_says_which(write_tree: WriteTree) -> None:
    write_tree({"reconciler.yaml": ENVIRONMENTS, "manifests/agent.yaml": AGENT,
                "manifests/policy.yaml": policy(
                    "{name: prod-models, match: {environments: [prod]}, "
                    "expression: \"resource.spec.model == 'gpt-6.1-sol'\", "
                    "message: 'in {{ environment }}, not {{ resource.spec.model }}'}",
                    "{name: everywhere, severity: warning, "
                    "expression: \"environment == 'dev'\"}")})
    code, found = validate_json()
    assert code == ExitCode.ERROR
    assert sorted(d["message"] for d in found) == [
        "Agent/writer: does not meet rule 'everywhere' of Policy 'gates' (in environment prod)",
        "Agent/writer: in prod, not gpt-6-luna (in environment prod)"]
    code, found = validate_json("--env", "dev")
    assert (code, found) == (ExitCode.OK, [])


def test_the_environment_s_labels_are_matched(write_tree: WriteTree) -> None:
    write_tree({"reconciler.yaml": ENVIRONMENTS, "manifests/agent.yaml": AGENT,
                "manifests/policy.yaml": policy(
                    "{name: staged, match: {labels: {matchLabels: {stage: prod}}}, "
                    "expression: \"resource.labels.stage != 'prod'\"}")})
    _, found = validate_json()
    assert [d["message"] for d in found] == [
        "Agent/writer: does not meet rule 'staged' of Policy 'gates' (in environment prod)"]


def test_an_environment_reconciler_yaml_does_not_declare_is_reported(
        write_tree: WriteTree) -> None:
    rule = "{name: gate, match: {environments: [prdo]}, expression: 'true'}"
    write_tree({"reconciler.yaml": ENVIRONMENTS, "manifests/agent.yaml": AGENT,
                "manifests/policy.yaml": policy(rule)})
    code, found = validate_json()
    assert code == ExitCode.ERROR
    assert [(d["severity"], d["path"], d["hint"]) for d in found] == [
        ("error", "spec.rules[0].match.environments[0]", "did you mean 'prod'?")]
    Path("reconciler.yaml").unlink()  # no environments at all: the rule never applies
    code, found = validate_json("manifests")
    assert code == ExitCode.OK
    assert [d["severity"] for d in found] == ["warning"]
    assert "no environments are declared" in found[0]["message"]


def test_messages_fill_in_paths_and_say_none_for_what_is_missing(
        write_tree: WriteTree) -> None:
    message = ("'{{ resource.kind }} {{resource.name}} of {{ resource.labels.team }}: "
               "{{ resource.spec.temperature }}, {{ resource.spec.top_p }}, "
               "{{ resource.tools }}, {{ resource.lifecycle }}, [{{ environment }}]'")
    write_tree({"m/assistant.yaml": ASSISTANT, "m/policy.yaml": policy(
        f"{{name: show, expression: 'false', message: {message}}}")})
    _, found = validate_json("m")
    assert [d["message"] for d in found] == [
        'Assistant/helper: Assistant helper of support: 0.5, (none), [], '
        '{"prevent_destroy": false, "ignore_changes": []}, []']


def test_the_resource_variable_has_the_documented_shape(write_tree: WriteTree) -> None:
    write_tree({"m/assistant.yaml": ASSISTANT})
    [resource] = load_manifest_set(["m"]).resources
    assert policies.resource_variables(resource) == {
        "kind": "Assistant", "name": "helper", "labels": {"team": "support", "tier": "cheap"},
        "annotations": {}, "template": "", "tools": [], "stores": [],
        "lifecycle": {"prevent_destroy": False, "ignore_changes": []},
        "spec": {"model": "gpt-5.6-luna", "name": "helper", "instructions": "Help.",
                 "temperature": 0.5},
        "files": []}


# --- broken rules ---------------------------------------------------------------------


@pytest.mark.parametrize(("expression", "problem"), [
    ("resource.spec.model in ['gpt-6.1-sol'",
     "does not parse at column 25, near: 'gpt-6.1-sol' (is it complete?)"),
    ("resource.spec.model in allowed", "unknown variable 'allowed' at column 24"),
    ("change.action != 'delete'", "unknown variable 'change' at column 1"),
    ("resource.spec.model.startswith('gpt')", "unknown function 'startswith' at column 21 "
                                             "(did you mean 'startsWith'?)"),
    ("resource.spec.tools.reduce(a, t, 0, a + 1) > 0", "'reduce' is not a standard CEL macro"),
    ("resource.spec.tools.all(t.type == 'function')",
     "all() takes a variable name and an expression"),
])
def test_an_invalid_expression_is_an_error_at_its_line(
        write_tree: WriteTree, expression: str, problem: str) -> None:
    write_tree({"m/agent.yaml": AGENT, "m/policy.yaml": policy(
        "{name: fine, expression: 'true'}",
        f"{{name: broken, expression: {json.dumps(expression)}}}")})
    code, found = validate_json("m")
    assert code == ExitCode.ERROR
    [error] = found
    assert (error["code"], error["file"], error["line"], error["column"], error["path"]) == (
        "invalid-policy-expression", "m/policy.yaml", 7, 22, "spec.rules[1].expression")
    assert error["message"].startswith("rule 'broken' of Policy 'gates': ")
    assert problem in error["message"]


def test_an_invalid_expression_in_a_multi_line_scalar_is_at_its_key(
        write_tree: WriteTree) -> None:
    write_tree({"m/policy.yaml": "apiVersion: reconciler/v1\nkind: Policy\n"
                "metadata: {name: gates}\nspec:\n  rules:\n    - name: broken\n"
                "      expression: >-\n        resource.spec.model ==\n        == 'x'\n"})
    result = load_manifest_set(["m"])
    [error] = result.diagnostics
    assert (error.code, error.location and error.location.line) == (
        Code.INVALID_POLICY_EXPRESSION, 7)
    assert "at column 24, near: == 'x'" in error.message


def test_a_message_naming_an_unknown_variable_is_an_error(write_tree: WriteTree) -> None:
    write_tree({"m/policy.yaml": policy(
        "{name: gate, on: change, expression: 'true', message: '{{ resource.name }}'}")})
    [error] = load_manifest_set(["m"]).diagnostics
    assert error.code is Code.INVALID_POLICY_EXPRESSION and error.path == "spec.rules[0].message"
    assert "names 'resource', which is not a variable here (change, environment, model)" in (
        error.message)


def test_a_broken_rule_is_not_evaluated_and_the_others_are(write_tree: WriteTree) -> None:
    write_tree({"m/agent.yaml": AGENT, "m/policy.yaml": policy(
        "{name: broken, expression: 'resource.spec.model =='}",
        "{name: fine, expression: 'false'}")})
    _, found = validate_json("m")
    assert sorted(d["code"] for d in found) == ["invalid-policy-expression", "policy-violation"]


# --- evaluation errors ----------------------------------------------------------------


def test_an_evaluation_error_is_a_diagnostic_with_the_rule_s_severity(
        write_tree: WriteTree) -> None:
    write_tree({"m/agent.yaml": AGENT, "m/policy.yaml": policy(
        "{name: cool, expression: 'resource.spec.temperature <= 1.0'}",
        "{name: soft, severity: warning, expression: 'resource.spec.tools.size() > 0'}",
        "{name: text, expression: 'resource.name'}",
        "{name: typed, expression: 'resource.spec.model > 3'}")})
    result = run("validate", "m", "--format", "json")
    assert result.exit_code == ExitCode.ERROR and "Traceback" not in result.output
    found = {d["message"].split("'")[1]: d for d in json.loads(result.stdout)["diagnostics"]}
    assert {name: (d["severity"], d["code"]) for name, d in found.items()} == {
        "cool": ("error", "policy-evaluation-error"),
        "soft": ("warning", "policy-evaluation-error"),
        "text": ("error", "policy-evaluation-error"),
        "typed": ("error", "policy-evaluation-error")}
    assert found["cool"]["message"].endswith(
        "could not be evaluated: no such member in mapping: 'temperature'")
    assert "!has(resource.spec.temperature) ||" in found["cool"]["hint"]
    assert (found["cool"]["line"], found["cool"]["path"]) == (4, "metadata.name")
    assert found["text"]["message"].endswith('it gives "writer", not true or false')
    assert "no matching overload for '>' applied to '(string, int)'" in (
        found["typed"]["message"])


def test_errors_are_absorbed_as_cel_says_whatever_the_order(write_tree: WriteTree) -> None:
    # 'x' fails int(); '0' gives false: false wins over the error, in any order
    write_tree({"m/agent.yaml": AGENT.replace("{team: docs}", "{a: x, b: '0', c: y}"),
                "m/policy.yaml": policy(
                    "{name: numbers, expression: 'resource.labels.all(k, "
                    "int(resource.labels[k]) > 0)'}",
                    "{name: either, expression: \"false && resource.spec.nope == 1\"}")})
    for _ in range(3):
        _, found = validate_json("m")
        assert [d["code"] for d in found] == ["policy-violation", "policy-violation"]


# --- bounds ---------------------------------------------------------------------------

VARIABLES = frozenset({"resource", "environment"})
DIGITS = "[" + ",".join("0123456789") + "]"


def test_a_pathological_expression_is_refused_before_it_runs() -> None:
    started = time.perf_counter()
    cubic = f"{DIGITS}.all(a, {DIGITS}.all(b, {DIGITS}.all(c, a + b + c >= 0)))"
    assert expressions.compile_rule(cubic, VARIABLES) == (
        "comprehensions (all, exists, exists_one, filter, map) nest 3 deep; at most 2 are "
        "allowed")
    wide = "[" + ",".join(["0"] * 200) + "]"
    square = f"{wide}.all(a, {wide}.all(b, a == b))"
    assert expressions.compile_rule(square, VARIABLES) == (
        "it could make 40,000 iterations over its own lists; the limit is 10,000")
    assert time.perf_counter() - started < 1


def test_nesting_over_a_large_input_is_an_error_before_it_runs() -> None:
    square = expressions.compile_rule(
        "resource.spec.tools.all(a, resource.spec.tools.all(b, a == b))", VARIABLES)
    assert isinstance(square, expressions.Compiled)
    tools = [{"type": "function", "name": f"f{i}"} for i in range(128)]
    started = time.perf_counter()
    with pytest.raises(expressions.EvaluationError, match="could make 16,384 iterations"):
        expressions.evaluate(square, {"resource": {"spec": {"tools": tools}},
                                      "environment": ""})
    assert time.perf_counter() - started < 0.5
    assert expressions.evaluate(square, {"resource": {"spec": {"tools": tools[:50]}},
                                         "environment": ""}) is False


def test_a_deep_expression_fails_cleanly_and_the_recursion_limit_is_restored() -> None:
    limit = sys.getrecursionlimit()
    for deep in ("(" * 450 + "true" + ")" * 450, "1" + " + 1" * 240 + " > 0", "!" * 900 + "true"):
        problem = expressions.compile_rule(deep, VARIABLES)
        assert isinstance(problem, str) and "nested too deeply" in problem
    long_and = " && ".join(["resource.name != ''"] * 45)  # about 900 characters
    compiled = expressions.compile_rule(long_and, VARIABLES)
    assert isinstance(compiled, expressions.Compiled)
    assert expressions.evaluate(compiled, {"resource": {"name": "x"}, "environment": ""})
    assert sys.getrecursionlimit() == limit


def test_an_expression_longer_than_the_limit_is_refused_by_the_schema(
        write_tree: WriteTree) -> None:
    write_tree({"m/policy.yaml": policy(
        f"{{name: long, expression: \"{'true && ' * 130}true\"}}")})
    [error] = load_manifest_set(["m"]).diagnostics
    assert (error.code, error.path) == (Code.TOO_LONG, "spec.rules[0].expression")


# --- change rules: check_plan ---------------------------------------------------------

CHANGE_RULES = policy(
    "{name: no-delete-in-prod, on: change, match: {environments: [prod]}, "
    "expression: \"change.action != 'delete' || 'allow-delete' in change.labels\", "
    "message: 'no delete of {{ change.address }} in {{ environment }}'}",
    "{name: model-reviewed, on: change, severity: warning, match: {kinds: [Assistant]}, "
    "expression: \"change.after == null || change.after.model == 'gpt-6-luna'\", "
    "message: '{{ change.action }} sets {{ change.after.model }} ({{ change.fields }})'}",
    name="changes")


def _assistant(object_id: str, name: str, model: str = "gpt-6-luna") -> LiveObject:
    digest = ownership.digest_value("0" * 16, prevent_destroy=False)
    raw = {"id": object_id, "object": "assistant", "created_at": 1790000000, "model": model,
           "name": name, "instructions": "Help.", "tools": [], "tool_resources": {},
           "metadata": ownership.marks(name, digest)}
    return LiveObject(kind="Assistant", id=object_id, created_at=1790000000, raw=raw)


def _planned(write_tree: WriteTree) -> tuple[Any, Any]:
    write_tree({"m/assistant.yaml": ASSISTANT, "m/agent.yaml": AGENT,
                "m/policy.yaml": CHANGE_RULES})
    manifests = load_manifest_set(["m"])
    assert not manifests.diagnostics.has_errors, list(manifests.diagnostics)
    plan = diff(manifests.resources, [_assistant("asst_1", "helper"),
                                      _assistant("asst_2", "retired")], endpoint=ENDPOINT)
    assert sorted((c.address, c.action) for c in plan.changes) == [
        ("Agent/writer", Action.CREATE), ("Assistant/helper", Action.UPDATE),
        ("Assistant/retired", Action.DELETE)]
    return plan, manifests


def test_change_rules_gate_a_plan_in_their_environment(write_tree: WriteTree) -> None:
    plan, manifests = _planned(write_tree)
    problems = policies.check_plan(plan, manifests, "prod")
    found = {d.message: d for d in problems}
    delete = found["Assistant/retired: no delete of Assistant/retired in prod"]
    assert (delete.severity, delete.code, delete.location) == (
        Severity.ERROR, Code.POLICY_VIOLATION, None)  # no manifest declares it any more
    assert problems.has_errors
    update = next(d for d in problems if d.severity is Severity.WARNING)
    assert update.message.startswith("Assistant/helper: update sets gpt-5.6-luna ([")
    assert '"model"' in update.message and '"temperature"' in update.message
    assert update.location is not None
    assert (update.location.file, update.location.line, update.path) == (
        "m/assistant.yaml", 7, "spec.model")  # where the manifest sets what it read
    assert update.hint is not None and update.hint.startswith(
        "rule 'model-reviewed' of Policy 'changes' (m/policy.yaml:")


def test_change_rules_of_other_environments_do_not_apply(write_tree: WriteTree) -> None:
    plan, manifests = _planned(write_tree)
    for environment in ("dev", None):
        problems = policies.check_plan(plan, manifests, environment)
        assert not problems.has_errors
        assert [d.code for d in problems] == [Code.POLICY_VIOLATION]  # the warning


def test_a_change_sees_its_manifest_s_labels(write_tree: WriteTree) -> None:
    plan, manifests = _planned(write_tree)
    gate = policy("{name: labelled, on: change, expression: \"change.labels.team == 'docs' "
                  "|| change.action == 'delete'\"}", name="labels")
    Path("m/policy.yaml").write_text(gate)
    manifests = load_manifest_set(["m"])
    [problem] = policies.check_plan(plan, manifests)
    assert problem.message == "Assistant/helper: does not meet rule 'labelled' of Policy 'labels'"
    assert problem.path == "metadata.labels.team"
    change = next(c for c in plan.changes if c.address == "Assistant/retired")
    assert policies.change_variables(change, {}) == {
        "address": "Assistant/retired", "kind": "Assistant", "name": "retired",
        "action": "delete", "action_reason": "delete_because_no_manifest",
        "reason": "no manifest declares it any more", "fields": [],
        "before": change.before, "after": None, "labels": {}, "files": []}


def test_a_delete_carries_the_environment_s_labels(write_tree: WriteTree) -> None:
    plan, _ = _planned(write_tree)
    allowed = Overlay("prod", {}, {"allow-delete": "yes"}, ())
    for overlay, refused in ((None, True), (allowed, False)):
        manifests = load_manifest_set(["m"], overlay=overlay)
        problems = policies.check_plan(plan, manifests, "prod")
        assert any(d.message == "Assistant/retired: no delete of Assistant/retired in prod"
                   for d in problems) is refused


def test_resource_rules_are_not_change_rules(write_tree: WriteTree) -> None:
    plan, manifests = _planned(write_tree)
    Path("m/policy.yaml").write_text(policy("{name: never, expression: 'false'}"))
    manifests = load_manifest_set(["m"])
    assert list(policies.check_plan(plan, manifests, "prod")) == []
    assert len(policies.check_resources(manifests)) == 2


# --- the example set ------------------------------------------------------------------


def test_the_example_policies_hold_for_the_example_set() -> None:
    manifests = load_manifest_set([str(EXAMPLES)])
    from reconciler.kinds.policy.index import declared

    rules = declared(manifests)
    assert len({r.policy for r in rules}) >= 3 and {r.spec.on for r in rules} == {
        "resource", "change"}
    assert all(r.compiled is not None for r in rules)
    assert list(policies.check_resources(manifests, environments=())) == []


def test_the_example_policies_catch_a_broken_copy(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "manifests")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RECONCILER_TODAY", "2026-12-07")  # gpt-4o: 38 days to its shutdown
    support = Path("manifests/agents/support.yaml")
    support.write_text(support.read_text().replace("gpt-6.1-terra", "gpt-4o"))
    analyst = Path("manifests/assistants/analyst.yaml")
    analyst.write_text(analyst.read_text().replace("team: analytics", "owner: analytics")
                       .replace("cost-center: cc-3100", "cost-center: '3100'"))
    code, found = validate_json("manifests")
    assert code == ExitCode.ERROR
    assert sorted((d["severity"], d["file"], d["line"], d["path"],
                   re.sub(r"^\w+/[\w.-]+: ", "", d["message"])) for d in found) == [
        ("error", "manifests/agents/support.yaml", 11, "spec.model",
         "gpt-4o is not an approved model"),
        ("error", "manifests/assistants/analyst.yaml", 7, "metadata.labels",
         "Assistant sales-analyst names no team: add the label team"),
        ("error", "manifests/assistants/analyst.yaml", 45, "spec.metadata.cost-center",
         "metadata cost-center is 3100, not a cost centre such as cc-1000"),
        ("warning", "manifests/agents/support.yaml", 11, "spec.model",
         "gpt-4o shuts down on 2027-01-14: move to gpt-6-luna (reconciler models upgrade)"),
        ("warning", "manifests/agents/support.yaml", 11, "spec.model",
         "model 'gpt-4o' shuts down on 2027-01-14, in 38 days (the catalog says); move to "
         "gpt-6-luna"),
        ("warning", "manifests/agents/support.yaml", 13, "spec.reasoning.effort",
         "low — gpt-4o is not a reasoning model")]


# --- start-up -------------------------------------------------------------------------

PROBE = ("import sys\nfrom reconciler.cli import main\ntry:\n    main(sys.argv[1:])\n"
         "except SystemExit:\n    pass\nprint('celpy' in sys.modules, file=sys.stderr)")


@pytest.mark.parametrize(("with_policy", "loaded"), [(False, "False"), (True, "True")])
def test_the_cel_interpreter_is_loaded_only_when_a_policy_exists(
        write_tree: WriteTree, with_policy: bool, loaded: str) -> None:
    files = {"m/agent.yaml": AGENT}
    if with_policy:
        files["m/policy.yaml"] = policy("{name: gate, expression: 'true'}")
    write_tree(files)
    for arguments in (["--help"], ["validate", "m"]):
        done = subprocess.run([sys.executable, "-c", PROBE, *arguments], capture_output=True,
                              text=True, check=True)
        expected = loaded if arguments[0] == "validate" else "False"
        assert done.stderr.strip().splitlines()[-1] == expected, (arguments, done.stderr)



CACHED = ("import sys\nfrom reconciler.kinds.policy import expressions\n"
          "rule = expressions.compile_rule(\"resource.name > 1\", frozenset({'resource'}))\n"
          "try:\n    expressions.evaluate(rule, {'resource': {'name': 'x'}})\n"
          "except expressions.EvaluationError as exc:\n    print(exc)\n"
          "from celpy.celparser import CELParser\n"
          "print(CELParser.CEL_PARSER.source_path)\n")


def test_the_shipped_tables_are_used_and_nothing_is_written(tmp_path: Path) -> None:
    """`make cel-tables` keeps them current; after a Lark or celpy upgrade that changes them
    (the parser then builds its own, slower) this says so among the skipped tests."""
    import lark

    from reconciler.kinds.policy import expressions, tables

    saved = json.loads(tables.SHIPPED.read_text())
    if saved["digest"] != tables._digest(*expressions.parser_definition()):
        pytest.skip(f"the shipped CEL tables are Lark {saved['lark']}'s and another grammar "
                    f"or Lark ({lark.__version__}) is installed: run `make cel-tables`")
    cache = tmp_path / "cache"
    done = subprocess.run([sys.executable, "-c", CACHED], capture_output=True, text=True,
                          check=True, env={**os.environ, "XDG_CACHE_HOME": str(cache)})
    assert "'>'" in done.stdout
    assert done.stdout.splitlines()[-1] == "<deserialized>", "the shipped tables are current"
    assert not cache.exists() or not any(cache.rglob("*"))


def test_the_parser_s_tables_are_data_and_decide_nothing_else(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Loaded tables parse as built ones do; tables of other options, or that do not
    decode, are not used; the options Lark lets a caller give (`use_bytes`, callbacks, the
    tree class...) come from the process, whatever the file says."""
    from reconciler.kinds.policy import expressions, tables

    grammar, options = expressions.parser_definition()
    shipped = tables.write(grammar, options, tmp_path / "cel-tables.json")
    sources = ["resource.spec.model in ['gpt-6.1-sol', 'gpt-6-luna'] && size(resource.name) > 3",
               "has(x.y) || x.exists(e, e > 1) ? b'\\x00' : \"z\"", "!a.b[1] + 2 * -x"]
    import lark

    built = lark.Lark(grammar, **options)
    loaded = tables.parser(grammar, options, shipped)
    assert loaded.source_path == "<deserialized>"
    assert [loaded.parse(s) for s in sources] == [built.parse(s) for s in sources]
    good = json.loads(shipped.read_text())
    data = good["tables"]["data"]
    data["options"].update({"use_bytes": True, "regex": True, "debug": True})
    shipped.write_text(json.dumps(good))
    assert tables.parser(grammar, options, shipped).parse(sources[0]) == built.parse(sources[0])
    for planted in (json.dumps({**good, "digest": "0" * 64}), "{" * 100_000, "[]"):
        shipped.write_text(planted)
        assert tables.parser(grammar, options, shipped).source_path != "<deserialized>"
    other = {**options, "priority": "normal"}
    tables.write(grammar, options, shipped)
    assert tables.parser(grammar, other, shipped).source_path != "<deserialized>"


def test_a_failed_plan_in_markdown_shows_what_authors_wrote_only_as_text() -> None:
    from reconciler.diagnostics import Diagnostic, Diagnostics
    from reconciler.render.diagnostics import render_markdown

    problems = Diagnostics()
    problems.add(Diagnostic(severity=Severity.ERROR, code=Code.POLICY_VIOLATION,
                            message="Agent/x: ```\n::add-mask::y"))
    text = render_markdown(problems, "1 error")
    assert text.startswith("### The plan failed: 1 error\n\n````text\n")
    assert text.endswith("\n````\n")  # a fence longer than any run of backticks inside
    assert "\n\\::add-mask::y\n" in text  # never a runner's command either


def test_an_invalid_regex_never_reaches_stderr_raw(tmp_path: Path) -> None:
    """RE2's C++ logger writes an invalid pattern to fd 2, around every escape: a pull
    request's rule could print `::error` annotations or `::stop-commands::` to the runner.
    A literal pattern is checked at load (a located error); one built from input fails as
    an evaluation, silently. Run as a process, so fd 2 itself is captured."""
    (tmp_path / "reconciler.yaml").write_text("manifests: [m]\n")
    (tmp_path / "m").mkdir()
    rule = ("apiVersion: reconciler/v1\nkind: Policy\nmetadata: {{name: p}}\nspec:\n  rules:\n"
            "    - name: r\n      on: resource\n      match: {{kinds: [Agent]}}\n"
            "      expression: '{expression}'\n      message: m\n      severity: warning\n"
            "---\napiVersion: reconciler/v1\nkind: Agent\nmetadata: {{name: a}}\n"
            "spec: {{model: gpt-6.1-sol, name: '(\\n::error title=x::y'}}\n")
    for expression, code in (
            ('resource.spec.model.matches("(\\n::error title=pwned::x")', 1),
            ("resource.spec.model.matches(resource.spec.name)", 0)):
        (tmp_path / "m" / "p.yaml").write_text(rule.format(expression=expression))
        done = subprocess.run([sys.executable, "-m", "reconciler", "validate"], cwd=tmp_path,
                              capture_output=True, text=True, check=False)
        assert done.returncode == code, done.stdout + done.stderr
        assert "Error parsing" not in done.stderr and "re2.cc" not in done.stderr
        every = (done.stdout + done.stderr).splitlines()
        assert [line for line in every if line.lstrip().startswith("::")] == []
    assert "policy-evaluation-error" in done.stdout


def test_pinned_policies_gate_a_pull_request_that_weakens_its_own(
        write_tree: WriteTree, monkeypatch: pytest.MonkeyPatch) -> None:
    """RECONCILER_POLICIES names the policies that gate (e.g. the base branch's): deleting
    the project's policy, or editing a rule to `true`, in the same pull request does not
    turn the gate green."""
    strict = policy("{name: approved, expression: \"resource.spec.model == 'gpt-6.1-sol'\", "
                    "message: approved models only}")
    write_tree({"m/agent.yaml": AGENT, "m/policy.yaml": policy(
        "{name: approved, expression: 'true', message: anything goes}"),
        "base/policies/models.yaml": strict})
    assert run("validate", "m").exit_code == ExitCode.OK  # the weakened policy passes
    monkeypatch.setenv("RECONCILER_POLICIES", "base/policies")
    code, found = validate_json("m")
    assert code == ExitCode.ERROR
    assert [d["message"] for d in only(found, Code.POLICY_VIOLATION)] == [
        "Agent/writer: approved models only"]
    [pinned] = [d for d in found if d["severity"] == "warning"]
    assert pinned["message"] == ("policies pinned by RECONCILER_POLICIES: 1 Policy "
                                 "manifest(s) from base/policies; the pull request's own 1 "
                                 "Policy manifest(s) are not used")
    monkeypatch.setenv("RECONCILER_POLICIES", "m/agent.yaml")
    code, found = validate_json("m")
    assert code == ExitCode.ERROR and only(found, Code.NO_MANIFESTS)
