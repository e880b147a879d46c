"""`reconciler inventory`: every live object with its status, in three formats."""

from __future__ import annotations

import csv
import io
import json

from reconciler import ownership
from reconciler.exitcodes import ExitCode
from tests.engine.conftest import Project

MANIFESTS = {
    "a.yaml": """
        apiVersion: reconciler/v1
        kind: Assistant
        metadata: {name: synced}
        spec: {model: gpt-6-luna}
        ---
        apiVersion: reconciler/v1
        kind: Assistant
        metadata: {name: drifting}
        spec: {model: gpt-6-luna}
        ---
        apiVersion: reconciler/v1
        kind: Agent
        metadata: {name: leaving}
        spec: {model: gpt-6.1-sol}
        """,
}


def test_every_status(project: Project) -> None:
    project.write(MANIFESTS)
    assert project.run("apply", "--auto-approve").exit_code == ExitCode.OK
    drifting = project.managed("Assistant")["drifting"]
    project.client.beta.assistants.update(drifting["id"], temperature=1.5)
    text = MANIFESTS["a.yaml"].split("        ---\n        apiVersion: reconciler/v1\n"
                                     "        kind: Agent")[0]
    project.write({"a.yaml": text})
    hand = project.client.beta.agents.create(model="gpt-6.1-sol", name="By hand")
    pending = project.client.beta.assistants.create(model="gpt-6-luna", name="Pending")
    project.write({"p.yaml": f"""
        apiVersion: reconciler/v1
        kind: Assistant
        metadata:
          name: pending
          annotations: {{{ownership.ADOPT_ANNOTATION}: {pending.id}}}
        spec: {{model: gpt-6-luna, name: Pending}}
        """})
    marks = ownership.marks("twin", "x")
    twins = [project.client.beta.assistants.create(model="gpt-6-luna", metadata=marks).id
             for _ in range(2)]

    result = project.run("inventory", "--format", "json")
    assert result.exit_code == ExitCode.OK, result.output
    by_status: dict[str, list[str]] = {}
    for row in json.loads(result.stdout):
        by_status.setdefault(row["status"], []).append(row["manifest"] or row["name"])
    assert by_status == {"in sync": ["synced"], "drifted": ["drifting"],
                         "orphaned": ["leaving"], "unmanaged": ["By hand"],
                         "import pending": ["pending"], "duplicate": ["twin", "twin"]}

    table = project.run("inventory").stdout
    assert table.splitlines()[0].split() == ["ID", "KIND", "NAME", "MODEL", "MANAGED",
                                             "MANIFEST", "FILE", "STATUS"]
    assert hand.id in table and "manifests/a.yaml" in table
    assert "7 live objects: 1 drifted, 2 duplicate, 1 import pending, 1 in sync, 1 orphaned, " \
           "1 unmanaged" in table
    rows = list(csv.DictReader(io.StringIO(project.run("inventory", "--format", "csv").stdout)))
    assert len(rows) == 7 and {r["managed"] for r in rows} == {"yes", "no"}
    assert {r["id"] for r in rows} >= set(twins)
