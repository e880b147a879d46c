"""Apply reads each object again before it changes it, against the emulator.

A plan may be old: between plan and apply another apply, another scope or a person may mark
an object for another name or scope, guard it with prevent_destroy, or take over an object
the plan adopts. Such a change is refused and the object left alone; the rest of the plan
runs. Each update, replacement and delete costs one GET, a create none. Uploads are named
with the plan's scope.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest

from openai_emulator.process import EmulatorProcess
from reconciler import ownership
from reconciler.apply.executor import Executor, Outcome
from reconciler.apply.filesync import FileSync
from reconciler.connection import Connection
from reconciler.kinds.assistant.provider import AssistantProvider
from reconciler.kinds.file.provider import FileProvider
from reconciler.kinds.vector_store.provider import VectorStoreProvider
from reconciler.plan.model import (
    Action,
    ActionReason,
    FieldChange,
    FileAction,
    FileChange,
    Plan,
    ResourceChange,
    because,
)
from reconciler.provider.retry import RetryPolicy

FAST = RetryPolicy(base=0.01, cap=0.05, total=5.0)
GET_ONE = "GET /v1/assistants/{assistant_id}"


class Api:
    """The emulator, an SDK client to set things up by hand, and the executor's client."""

    def __init__(self, emulator: EmulatorProcess) -> None:
        self.emulator = emulator
        self.sdk = openai.OpenAI(base_url=emulator.url, api_key="test-key", max_retries=0)
        self.client = Connection(emulator.url, "test-key", source="flag").client(retry=FAST)

    def run(self, *changes: ResourceChange, scope: str | None = None) -> list[Outcome]:
        """Execute a plan of these changes (counting requests from here)."""
        self.emulator.call("DELETE", "/stats")
        providers: dict[str, Any] = {"Assistant": AssistantProvider(self.client),
                                     "VectorStore": VectorStoreProvider(self.client),
                                     "File": FileProvider(self.client)}
        plan = Plan(endpoint=self.emulator.url, changes=changes, scope=scope)
        return Executor(providers, retry=FAST).run(plan)

    def assistant(self, metadata: dict[str, str] | None) -> str:
        return self.sdk.beta.assistants.create(model="gpt-6-luna", name="before",
                                               metadata=metadata or {}).id

    def mark(self, object_id: str, metadata: dict[str, str]) -> None:
        """Change an assistant's metadata by hand (after the plan was made)."""
        self.sdk.beta.assistants.update(object_id, metadata=metadata)

    def name_of(self, object_id: str) -> str | None:
        return self.sdk.beta.assistants.retrieve(object_id).name

    def exists(self, object_id: str) -> bool:
        return any(a.id == object_id for a in self.sdk.beta.assistants.list(limit=100))

    def requests(self) -> dict[str, int]:
        found: dict[str, int] = self.emulator.stats()["requests"]
        return found


@pytest.fixture
def api(emulator: EmulatorProcess) -> Iterator[Api]:
    emulator.reset()
    yield Api(emulator)
    emulator.faults()


def marks(name: str, *, scope: str | None = None, guarded: bool = False) -> dict[str, str]:
    return ownership.marks(name, ownership.digest_value("0" * 16, prevent_destroy=guarded),
                           scope)


def update(name: str, live_id: str, *, scope: str | None = None,
           **reason: Any) -> ResourceChange:
    """The update a plan made earlier: rename the assistant to `after`."""
    return ResourceChange(
        address=f"Assistant/{name}", kind="Assistant", name=name, action=Action.UPDATE,
        live_id=live_id, before={"name": "before"}, after={"name": "after"},
        fields=(FieldChange(path="name", before="before", after="after"),),
        body={"name": "after", "metadata": marks(name, scope=scope)}, **reason)


def create(name: str) -> ResourceChange:
    return ResourceChange(address=f"Assistant/{name}", kind="Assistant", name=name,
                          action=Action.CREATE, after={"name": "after"},
                          body={"model": "gpt-6-luna", "name": "after", "metadata": marks(name)})


def delete(name: str, live_id: str, kind: str = "Assistant") -> ResourceChange:
    return ResourceChange(address=f"{kind}/{name}", kind=kind, name=name,
                          action=Action.DELETE, live_id=live_id, before={"name": "before"},
                          **because(ActionReason.DELETE_BECAUSE_NO_MANIFEST))


def replace(name: str, live_id: str, *fields: FieldChange) -> ResourceChange:
    return ResourceChange(
        address=f"Assistant/{name}", kind="Assistant", name=name, action=Action.REPLACE,
        live_id=live_id, before={"name": "before"}, after={"name": "after"}, fields=fields,
        body={"model": "gpt-6-luna", "name": "after", "metadata": marks(name)},
        **because(ActionReason.REPLACE_BY_REQUEST))


def test_an_object_marked_for_another_name_since_the_plan_is_left_alone(api: Api) -> None:
    taken, kept, old = (api.assistant(marks(n)) for n in ("taken", "kept", "old"))
    api.mark(taken, marks("someone-else"))
    refused, updated, created, deleted = api.run(
        update("taken", taken), update("kept", kept), create("new"), delete("old", old))
    requests = api.requests()
    assert requests[GET_ONE] == 3, "one GET per update and delete; none for the create"
    assert requests["POST /v1/assistants/{assistant_id}"] == 1
    assert requests["POST /v1/assistants"] == 1
    assert requests["DELETE /v1/assistants/{assistant_id}"] == 1
    assert refused.refused and not refused.ok and refused.live_id is None
    assert refused.error == (
        f"refused: {taken} is no longer marked as Assistant/taken, but as "
        "Assistant/someone-else; nothing was sent (hint: make a new plan to see the object "
        "as it is now)")
    assert api.name_of(taken) == "before"
    assert updated.ok and api.name_of(kept) == "after"
    assert created.ok and deleted.ok and not api.exists(old)


def test_an_object_whose_marks_were_removed_is_not_deleted(api: Api) -> None:
    object_id = api.assistant(marks("a"))
    api.mark(object_id, {"team": "support"})
    (outcome,) = api.run(delete("a", object_id))
    assert outcome.refused and "but by nothing (no marks)" in str(outcome.error)
    assert api.exists(object_id)
    assert "DELETE /v1/assistants/{assistant_id}" not in api.requests()


def test_an_object_marked_for_another_scope_since_the_plan_is_left_alone(api: Api) -> None:
    moved, unscoped = api.assistant(marks("a", scope="team-a")), api.assistant(marks("b"))
    api.mark(moved, marks("a", scope="team-b"))
    refused, adopted = api.run(
        update("a", moved, scope="team-a"),
        update("b", unscoped, scope="team-a", **because(ActionReason.ADOPT_INTO_SCOPE)),
        scope="team-a")
    assert refused.refused
    assert f"{moved} is now marked for scope 'team-b', not 'team-a'" in str(refused.error)
    assert api.name_of(moved) == "before"
    assert adopted.ok, "marks without a scope are adopted into the plan's"
    assert api.sdk.beta.assistants.retrieve(unscoped).metadata == marks("b", scope="team-a")


def test_a_plan_without_scope_leaves_an_object_now_scoped_alone(api: Api) -> None:
    object_id = api.assistant(marks("a"))
    api.mark(object_id, marks("a", scope="team-a"))
    (outcome,) = api.run(delete("a", object_id))
    assert outcome.refused and "not this plan's (none)" in str(outcome.error)
    assert api.exists(object_id)


def test_prevent_destroy_set_since_the_plan_refuses_a_delete_or_replace(api: Api) -> None:
    old, swapped, unguarded = (api.assistant(marks(n)) for n in ("old", "swapped", "free"))
    for object_id, name in ((old, "old"), (swapped, "swapped")):
        api.mark(object_id, marks(name, guarded=True))
    api.mark(unguarded, marks("free", guarded=True))  # the plan saw this guard, and drops it
    unguard = FieldChange(path="lifecycle.prevent_destroy", before=True, after=False)
    deleted, replaced, allowed = api.run(delete("old", old), replace("swapped", swapped),
                                         replace("free", unguarded, unguard))
    assert deleted.refused and replaced.refused
    assert f"{old} is now marked lifecycle.prevent_destroy, which forbids a delete" in str(
        deleted.error)
    assert "forbids a replace" in str(replaced.error)
    assert api.exists(old) and api.exists(swapped)
    assert allowed.ok and not api.exists(unguarded) and allowed.live_id is not None
    assert api.requests()["POST /v1/assistants"] == 1, "only the allowed replace creates"


def test_an_adoption_requires_the_object_still_unmanaged(api: Api) -> None:
    taken, free = api.assistant({"team": "t"}), api.assistant({"team": "t"})
    api.mark(taken, marks("other"))
    refused, adopted = api.run(update("a", taken, **because(ActionReason.ADOPT)),
                               update("b", free, **because(ActionReason.ADOPT)))
    assert refused.refused and (f"{taken} was unmanaged when the plan was made, and is now "
                                "managed as Assistant/other") in str(refused.error)
    assert api.sdk.beta.assistants.retrieve(taken).metadata == marks("other")
    assert adopted.ok and api.sdk.beta.assistants.retrieve(free).metadata == marks("b")


def test_an_object_gone_since_the_plan_is_deleted_already_but_not_updated(api: Api) -> None:
    gone, also_gone = api.assistant(marks("a")), api.assistant(marks("b"))
    for object_id in (gone, also_gone):
        api.sdk.beta.assistants.delete(object_id)
    deleted, updated = api.run(delete("a", gone), update("b", also_gone))
    assert deleted.ok
    assert updated.refused and f"{also_gone} no longer exists" in str(updated.error)
    assert "DELETE /v1/assistants/{assistant_id}" not in api.requests()
    assert "POST /v1/assistants/{assistant_id}" not in api.requests()


def test_a_store_marked_for_another_name_is_not_deleted(api: Api) -> None:
    store = api.sdk.vector_stores.create(name="kb", metadata=marks("someone-else")).id
    (outcome,) = api.run(delete("kb", store, kind="VectorStore"))
    assert outcome.refused and "no longer marked as VectorStore/kb" in str(outcome.error)
    assert api.requests() == {"GET /v1/vector_stores/{store_id}": 1}
    assert api.sdk.vector_stores.retrieve(store).id == store


def _upload(api: Api, filename: str) -> str:
    return api.sdk.files.create(file=(filename, b"content"), purpose="assistants").id


def _upload_delete(file_id: str) -> ResourceChange:
    return ResourceChange(address=f"File/{file_id}", kind="File", name=file_id,
                          action=Action.DELETE, live_id=file_id, before={"filename": "x"},
                          **because(ActionReason.DELETE_BECAUSE_UNUSED_UPLOAD))


def test_an_upload_is_deleted_only_when_named_as_ours_in_the_plans_scope(api: Api) -> None:
    sha = "a" * 64
    ours, unscoped, theirs, foreign = (
        _upload(api, f"{mark}-{sha}-a.md")
        for mark in ("reconciler@team-a", "reconciler", "reconciler@team-b", "by-hand"))
    outcomes = api.run(*(_upload_delete(i) for i in (ours, unscoped, theirs, foreign)),
                       scope="team-a")
    assert [o.ok for o in outcomes] == [True, True, False, False]
    assert "is an upload of scope 'team-b', not 'team-a'" in str(outcomes[2].error)
    assert "is not named as an upload of ours" in str(outcomes[3].error)
    assert {f.id for f in api.sdk.files.list(purpose="assistants")} == {theirs, foreign}
    assert api.requests()["GET /v1/files/{file_id}"] == 4


# -- uploads are named with the plan's scope ---------------------------------------------


def _files(api: Api, scope: str | None) -> FileSync:
    return FileSync(VectorStoreProvider(api.client), FileProvider(api.client), retry=FAST,
                    parallelism=2, index_timeout=5.0, scope=scope)


def _new_file(tmp_path: Path) -> FileChange:
    local = tmp_path / "guide.md"
    local.write_text("# Guide\n", encoding="utf-8")
    return FileChange(action=FileAction.UPLOAD, path="docs/guide.md", local=str(local),
                      size=local.stat().st_size,
                      sha256=hashlib.sha256(local.read_bytes()).hexdigest())


@pytest.mark.parametrize(("scope", "mark"), [("team-a", "reconciler@team-a"),
                                             (None, "reconciler")])
def test_an_upload_is_named_with_the_scope(api: Api, tmp_path: Path, scope: str | None,
                                           mark: str) -> None:
    change = _new_file(tmp_path)
    outcome = _files(api, scope).upload_all([change])
    assert not outcome.errors
    uploaded = api.sdk.files.retrieve(outcome.uploaded["docs/guide.md"])
    assert uploaded.filename == f"{mark}-{change.sha256}-guide.md"
    assert ownership.uploaded_scope(uploaded.filename) == scope


def test_a_lost_upload_answer_is_found_by_its_scoped_name(api: Api, tmp_path: Path) -> None:
    api.emulator.faults({"fault": "commit_then_fail", "then": "disconnect",
                         "methods": ["POST"], "path": "/v1/files", "times": 1})
    change = _new_file(tmp_path)
    api.emulator.call("DELETE", "/stats")
    outcome = _files(api, "team-a").upload_all([change])
    assert not outcome.errors
    assert api.requests()["POST /v1/files"] == 1, "stored once, found, not sent again"
    (stored,) = api.sdk.files.list(purpose="assistants")
    assert stored.id == outcome.uploaded["docs/guide.md"]
    assert stored.filename == f"reconciler@team-a-{change.sha256}-guide.md"
