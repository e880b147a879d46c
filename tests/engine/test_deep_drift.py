"""Deep drift, end to end against the emulator: a store file swapped by hand under the same
attributes (invisible to a plain plan, whose digest vouches for the store) is found by
`plan --refresh=full` and replaced; an upload of ours that an unmanaged store also holds is
only detached, never deleted; and what each kind of plan costs in requests."""

from __future__ import annotations

import json
from typing import Any

import pytest

from reconciler import ownership
from reconciler.diagnostics import Location
from reconciler.exitcodes import ExitCode
from reconciler.kinds.vector_store.resolve import AUTO_CHUNKING as AUTO
from reconciler.model.desired import DesiredFile, DesiredResource
from reconciler.plan.files import keep_shared, shared_uploads, store_file_changes
from reconciler.plan.model import FileAction, FileChange
from reconciler.provider import LiveObject, LiveStoreFile
from tests.engine.conftest import Project
from tests.engine.test_files import apply, docs, sha, store_files, stores, uploads

STORE = """
apiVersion: reconciler/v1
kind: VectorStore
metadata:
  name: {name}
spec:
  files: ["{folder}/*.md"]
"""

GUIDE = "# Guide\nHow to.\n"
FAQ = "# FAQ\nWhy.\n"


@pytest.fixture
def kb(project: Project) -> Project:
    docs(project, {"docs/guide.md": GUIDE, "docs/faq.md": FAQ, "notes/todo.md": "# Todo\n"})
    project.write({"kb.yaml": STORE.format(name="kb", folder="docs"),
                   "notes.yaml": STORE.format(name="notes", folder="notes")})
    apply(project)
    return project


def plan_json(project: Project, *args: str) -> dict[str, Any]:
    result = project.run("plan", "--format", "json", *args)
    assert result.exit_code == ExitCode.OK, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def files_of(plan: dict[str, Any], address: str) -> list[tuple[str, str, str | None]]:
    """(action, path, live file id) of a change's files."""
    change = next(c for c in plan["changes"] if c["address"] == address)
    return [(f["action"], f["path"], f["live_file_id"]) for f in change["files"]]


def reasons(plan: dict[str, Any], address: str) -> dict[str, str]:
    change = next(c for c in plan["changes"] if c["address"] == address)
    return {f["action"]: f["reason"] for f in change["files"]}


def in_sync(project: Project, *args: str) -> bool:
    result = project.run("plan", "--detailed-exitcode", *args)
    assert result.exit_code in (ExitCode.OK, ExitCode.CHANGES), result.output
    return result.exit_code == ExitCode.OK


def apply_full(project: Project) -> None:
    """Apply what `plan --refresh=full` finds (a saved plan records how it was made)."""
    saved = project.root / "full.json"
    result = project.run("plan", "--refresh=full", "--out", str(saved))
    assert result.exit_code == ExitCode.OK, result.output
    result = project.run("apply", str(saved))
    assert result.exit_code == ExitCode.OK, result.output


def swap(project: Project, store_id: str, path: str, name: str, content: bytes) -> str:
    """Put another upload behind a store file, keeping its attributes (as a person could)."""
    entry = store_files(project, store_id)[path]
    other = project.client.files.create(file=(name, content), purpose="assistants")
    project.client.vector_stores.files.delete(entry["id"], vector_store_id=store_id)
    project.client.vector_stores.files.create(store_id, file_id=other.id,
                                              attributes=entry["attributes"])
    return other.id


SWAPS = {
    "not our upload": ("guide.md", b"# Guide\nSomething else entirely.\n"),
    "our mark, other content": (ownership.upload_name(sha("# Guide\nHow no.\n"), "guide.md"),
                                b"# Guide\nHow no.\n"),
    "our mark, other size": (ownership.upload_name(sha(GUIDE), "guide.md"),
                             b"# Guide\nHow to, and more.\n"),
}


@pytest.mark.parametrize("kind", list(SWAPS))
def test_a_file_swapped_by_hand_is_found_by_a_full_refresh(kb: Project, kind: str) -> None:
    store_id = stores(kb)["kb"]["id"]
    original = store_files(kb, store_id)["docs/guide.md"]["id"]
    name, content = SWAPS[kind]
    swapped = swap(kb, store_id, "docs/guide.md", name, content)
    # not ours: the digest and the file counts vouch for the store, which is not listed;
    # ours: our uploads outnumber the stores' files, so a plain plan lists them too
    assert in_sync(kb) is (ownership.uploaded_sha(name) is None)
    plan = plan_json(kb, "--refresh=full")
    assert files_of(plan, "VectorStore/kb") == [
        ("detach", "docs/guide.md", swapped), ("upload", "docs/guide.md", None)]
    change = next(c for c in plan["changes"] if c["address"] == "VectorStore/kb")
    upload = next(f for f in change["files"] if f["action"] == "upload")
    assert upload["upload_id"] == original  # our own upload, left unused, serves again
    assert upload["reason"] == (
        "the live file's upload does not hold the recorded content (changed by hand)")
    assert reasons(plan, "VectorStore/kb")["detach"].startswith(
        "its upload does not hold the recorded content (changed by hand); ")
    assert [c["address"] for c in plan["changes"]] == ["VectorStore/kb"]
    apply_full(kb)
    attached = store_files(kb, store_id)
    assert attached["docs/guide.md"]["id"] == original
    assert kb.client.files.retrieve(swapped).id == swapped  # detached, never deleted
    if ownership.uploaded_sha(name) is not None:  # ours, now unused: the next plan sweeps it
        assert not in_sync(kb)
        apply(kb)
        assert swapped not in uploads(kb)
    assert in_sync(kb, "--refresh=full")


def test_a_full_refresh_of_an_untouched_project_changes_nothing(kb: Project) -> None:
    assert in_sync(kb, "--refresh=full")


def test_an_upload_an_unmanaged_store_holds_is_detached_not_deleted(kb: Project) -> None:
    kb_id = stores(kb)["kb"]["id"]
    ours = {p: e["id"] for p, e in store_files(kb, kb_id).items()}
    theirs = kb.client.vector_stores.create(name="by hand", file_ids=list(ours.values()))
    (kb.root / "manifests/docs/guide.md").unlink()
    plan = plan_json(kb)
    assert files_of(plan, "VectorStore/kb") == [
        ("detach", "docs/guide.md", ours["docs/guide.md"])]
    assert reasons(plan, "VectorStore/kb")["detach"] == (
        f"no pattern matches it any more; an unmanaged store still uses it ({theirs.id}): "
        "the upload is kept")
    assert plan["summary"]["delete_files"] == 0
    apply(kb)
    assert sorted(store_files(kb, kb_id)) == ["docs/faq.md"]
    assert ours["docs/guide.md"] in uploads(kb)
    assert in_sync(kb)  # an upload only an unmanaged store holds is no orphan
    kb.remove("kb.yaml")  # the store goes; its files stay where the other store uses them
    plan = plan_json(kb)
    assert files_of(plan, "VectorStore/kb") == [("detach", "docs/faq.md", ours["docs/faq.md"])]
    result = kb.run("apply", "--auto-approve", "--allow-mass-delete")
    assert result.exit_code == ExitCode.OK, result.output
    assert "kb" not in stores(kb)
    assert set(ours.values()) <= set(uploads(kb))
    assert {e.id for e in kb.client.vector_stores.files.list(theirs.id)} == set(ours.values())
    assert in_sync(kb)


def test_an_upload_no_store_holds_is_still_deleted(kb: Project) -> None:
    kb_id = stores(kb)["kb"]["id"]
    guide = store_files(kb, kb_id)["docs/guide.md"]["id"]
    kb.client.vector_stores.create(name="by hand, other files")
    (kb.root / "manifests/docs/guide.md").unlink()
    assert files_of(plan_json(kb), "VectorStore/kb") == [("delete", "docs/guide.md", guide)]
    apply(kb)
    assert guide not in uploads(kb)


def test_requests_of_a_plain_and_a_full_plan(project: Project,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """An in-sync project of 3 stores x 20 files: a plain plan lists no store file; a full one
    lists each store once (20 files fit a page)."""
    for store in ("a", "b", "c"):
        docs(project, {f"{store}/file-{i:02d}.md": f"# {store} {i}\n" for i in range(20)})
        project.write({f"{store}.yaml": STORE.format(name=store, folder=store)})
    apply(project)
    counts = {}
    for label, args in (("plain", ()), ("full", ("--refresh=full",))):
        project.clear_stats()
        assert in_sync(project, *args)
        counts[label] = project.requests()
    with capsys.disabled():
        for label, requests in counts.items():
            print(f"\n{label} plan: {sum(requests.values())} requests: {dict(requests)}")
    listing = "GET /v1/vector_stores/{store_id}/files"
    assert listing not in counts["plain"]
    assert counts["full"][listing] == 3
    assert sum(counts["full"].values()) == sum(counts["plain"].values()) + 3


# --- the planner alone, on hand-built live files -----------------------------------------

def declared(files: dict[str, str]) -> DesiredResource:
    return DesiredResource(
        kind="VectorStore", name="kb", source=Location(file="kb.yaml", line=1, column=1),
        body={"name": "kb"}, chunking_strategy=AUTO,
        files=tuple(DesiredFile(path=p, local=f"/repo/{p}", sha256=sha(c), size=len(c))
                    for p, c in files.items()))


def live_file(file_id: str, path: str, content: str) -> LiveStoreFile:
    return LiveStoreFile(id=file_id, status="completed", chunking_strategy=AUTO,
                         attributes=ownership.file_attributes(path, sha(content)))


def our_upload(file_id: str, content: str, size: int | None = None) -> LiveObject:
    return LiveObject(kind="File", id=file_id, created_at=1, raw={
        "filename": ownership.upload_name(sha(content), "x.md"),
        "bytes": len(content) if size is None else size})


def actions(changes: list[FileChange]) -> list[tuple[str, str, str | None]]:
    return [(c.action.value, c.path, c.live_file_id) for c in changes]


def test_a_store_file_is_in_sync_only_when_its_upload_holds_what_it_records() -> None:
    wanted = declared({"a.md": "A", "b.md": "B", "c.md": "C", "d.md": "D"})
    live = [live_file(i, p, c) for i, p, c in
            [("f1", "a.md", "A"), ("f2", "b.md", "B"), ("f3", "c.md", "C"), ("f4", "d.md", "D")]]
    uploads = {"f1": our_upload("f1", "A"), "f2": our_upload("f2", "other"),
               "f3": our_upload("f3", "C", size=99)}  # f4: not ours, or gone
    changes = store_file_changes(wanted, live, {}, uploads=uploads)
    assert actions(changes) == [
        ("detach", "b.md", "f2"), ("upload", "b.md", None), ("detach", "c.md", "f3"),
        ("upload", "c.md", None), ("detach", "d.md", "f4"), ("upload", "d.md", None)]
    assert store_file_changes(wanted, live, {}) == []  # uploads unknown: attributes vouch


def test_an_upload_that_is_not_ours_is_never_deleted() -> None:
    wanted = declared({"a.md": "A2", "new.md": "B"})
    live = [live_file("f1", "a.md", "A"), live_file("f2", "gone.md", "G"),
            live_file("f3", "moved.md", "B")]
    changes = store_file_changes(wanted, live, {}, uploads={})
    assert actions(changes) == [
        ("detach", "a.md", "f1"), ("upload", "a.md", None), ("detach", "gone.md", "f2"),
        ("detach", "moved.md", "f3"), ("upload", "new.md", None)]
    assert {c.reason for c in changes if c.action is FileAction.DETACH} == {
        "content changed; not our upload, so it is kept",
        "no pattern matches it any more; not our upload, so it is kept"}


def test_uploads_an_unmanaged_store_holds_are_only_detached() -> None:
    wanted = declared({"a.md": "A2"})
    live = [live_file("f1", "a.md", "A"), live_file("f2", "gone.md", "G")]
    uploads = {"f1": our_upload("f1", "A"), "f2": our_upload("f2", "G")}
    changes = store_file_changes(wanted, live, {"f2": 1}, uploads=uploads)
    assert actions(changes) == [("replace", "a.md", "f1"), ("delete", "gone.md", "f2")]
    theirs = LiveObject(kind="VectorStore", id="vs_theirs", created_at=1, raw={},
                        files=(live_file("f1", "x", "A"), live_file("f2", "y", "G")))
    kept = keep_shared(changes, shared_uploads([theirs]))
    assert actions(kept) == [("upload", "a.md", None), ("detach", "a.md", "f1"),
                             ("detach", "gone.md", "f2")]
    assert kept[0].local == "/repo/a.md" and kept[0].reason == "content changed"
    assert kept[2].reason == ("no pattern matches it any more; an unmanaged store still uses "
                              "it (vs_theirs): the upload is kept")
    assert keep_shared(changes, {}) == changes


def test_the_command_drift_names_heals_a_swapped_file(kb: Project) -> None:
    """`drift` finds a store file swapped by hand; the command it names sets it back (a
    plain `apply` would not see it: the store's recorded digest vouches for it)."""
    store_id = stores(kb)["kb"]["id"]
    swap(kb, store_id, "docs/guide.md", *SWAPS["not our upload"])
    found = kb.run("drift")
    assert found.exit_code == ExitCode.CHANGES
    command = found.stderr.split("`")[-2]
    assert command == "reconciler apply --refresh=full"
    assert kb.run("apply", "--auto-approve").stdout.count("No changes") == 1  # blind to it
    healed = kb.run(*command.split()[1:], "--auto-approve")
    assert healed.exit_code == ExitCode.OK, healed.output
    assert kb.run("drift").exit_code == ExitCode.OK
