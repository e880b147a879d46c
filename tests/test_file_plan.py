"""The file planner on hand-built live files: no emulator, no I/O."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler import ownership
from reconciler.diagnostics import Location
from reconciler.model.desired import DesiredFile, DesiredResource
from reconciler.plan.files import code_files, orphaned, store_file_changes
from reconciler.plan.model import FileAction, FileChange, Unknown
from reconciler.provider import LiveObject, LiveStoreFile

AUTO = {"type": "static", "static": {"max_chunk_size_tokens": 800, "chunk_overlap_tokens": 400}}


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def declared(files: dict[str, str], chunking: dict[str, Any] | None = None) -> DesiredResource:
    return DesiredResource(
        kind="VectorStore", name="kb", source=Location(file="kb.yaml", line=1, column=1),
        body={"name": "kb"}, chunking_strategy=chunking or AUTO,
        files=tuple(DesiredFile(path=p, local=f"/repo/{p}", sha256=digest(c), size=len(c))
                    for p, c in files.items()))


def live_file(file_id: str, path: str | None, content: str, status: str = "completed",
              chunking: dict[str, Any] | None = None, error: str | None = None
              ) -> LiveStoreFile:
    attributes = ownership.file_attributes(path, digest(content)) if path else {}
    return LiveStoreFile(id=file_id, status=status, attributes=attributes,
                         chunking_strategy=chunking or AUTO,
                         last_error={"code": "invalid_file", "message": error} if error
                         else None)


def actions(changes: list[FileChange]) -> list[tuple[str, str, str | None]]:
    return [(c.action.value, c.path, c.live_file_id) for c in changes]


def test_in_sync_needs_nothing() -> None:
    wanted = declared({"a.md": "A", "b.md": "B"})
    live = [live_file("f1", "a.md", "A"), live_file("f2", "b.md", "B", status="in_progress")]
    assert store_file_changes(wanted, live, {}) == []


def test_upload_replace_rename_delete() -> None:
    wanted = declared({"a.md": "A2", "moved/b.md": "B", "new.md": "N"})
    live = [live_file("f1", "a.md", "A"), live_file("f2", "b.md", "B"),
            live_file("f3", "gone.md", "G")]
    changes = store_file_changes(wanted, live, {"f3": 7})
    assert actions(changes) == [
        ("replace", "a.md", "f1"), ("delete", "gone.md", "f3"),
        ("rename", "moved/b.md", "f2"), ("upload", "new.md", None)]
    assert changes[1].size == 7 and changes[2].old_path == "b.md"
    assert changes[0].local == "/repo/a.md" and changes[0].size == 2


def test_failed_file_is_replaced_with_its_error_as_reason() -> None:
    wanted = declared({"a.md": "A"})
    live = [live_file("f1", "a.md", "A", status="failed", error="The file is empty.")]
    [change] = store_file_changes(wanted, live, {})
    assert change.action is FileAction.REPLACE
    assert change.reason == "last indexing ended failed: The file is empty."


def test_a_duplicate_left_by_an_interrupted_replace_is_deleted() -> None:
    wanted = declared({"a.md": "A2"})
    live = [live_file("old", "a.md", "A"), live_file("new", "a.md", "A2")]
    assert actions(store_file_changes(wanted, live, {})) == [("delete", "a.md", "old")]


def test_chunking_change_rechunks_and_foreign_files_are_detached() -> None:
    static = {"type": "static", "static": {"max_chunk_size_tokens": 400,
                                           "chunk_overlap_tokens": 100}}
    wanted = declared({"a.md": "A"}, chunking=static)
    live = [live_file("f1", "a.md", "A"), live_file("hand", None, "X")]
    assert actions(store_file_changes(wanted, live, {})) == [
        ("rechunk", "a.md", "f1"), ("detach", "hand", "hand")]


def test_code_files_keep_matching_uploads_and_delete_unused_ones() -> None:
    files = declared({"data/a.csv": "A", "data/b.csv": "B"}).files
    uploads = {i: LiveObject(kind="File", id=i, created_at=0, raw={
        "id": i, "filename": ownership.upload_name(digest(c), "x.csv"), "bytes": 1})
        for i, c in (("fa", "A"), ("fold", "B-old"), ("fshared", "S"))}
    ids, changes = code_files(files, ["fa", "fold", "fshared", "file-user"], uploads,
                              keep={"fshared"})
    assert ids == ["fa", Unknown(at=(), upload="data/b.csv")]
    assert actions(changes) == [("upload", "data/b.csv", None), ("delete", "x.csv", "fold")]


def upload(file_id: str) -> LiveObject:
    return LiveObject(kind="File", id=file_id, created_at=0,
                      raw={"id": file_id, "filename": ownership.upload_name("0" * 64, "a.md")})


def store(store_id: str, files: list[str] | None, total: int = 0) -> LiveObject:
    return LiveObject(kind="VectorStore", id=store_id, created_at=0,
                      raw={"id": store_id, "file_counts": {"total": total}},
                      files=None if files is None else tuple({"id": f} for f in files))


def test_orphans_are_uploads_nothing_uses() -> None:
    assistant = LiveObject(kind="Assistant", id="asst", created_at=0, raw={
        "tool_resources": {"code_interpreter": {"file_ids": ["f3"]}}})
    found = orphaned([upload(f) for f in ("f1", "f2", "f3", "f4")],
                     [store("vs", ["f1", "f2"])], [assistant])
    assert [o.id for o in found or []] == ["f4"]


def test_unlisted_stores_are_counted_and_listed_only_when_that_cannot_tell() -> None:
    uploads = [upload(f) for f in ("f1", "f2", "f3")]
    assert orphaned(uploads, [store("vs", None, total=3)], []) == []
    assert orphaned(uploads, [store("vs", None, total=2)], []) is None


@settings(max_examples=60, deadline=None)
@given(before=st.dictionaries(st.sampled_from("abcdefg"), st.sampled_from("XYZ"), max_size=6),
       after=st.dictionaries(st.sampled_from("abcdefg"), st.sampled_from("XYZW"), max_size=6))
def test_applying_the_changes_gives_the_declared_files(before: dict[str, str],
                                                       after: dict[str, str]) -> None:
    """Whatever the live files, doing what the plan says leaves exactly the declared ones."""
    live = {f"id-{p}": (f"{p}.md", c) for p, c in before.items()}
    wanted = declared({f"{p}.md": c for p, c in after.items()})
    changes = store_file_changes(wanted, [live_file(i, p, c) for i, (p, c) in live.items()],
                                 {})
    for change in changes:
        if change.action in (FileAction.DELETE, FileAction.DETACH, FileAction.REPLACE):
            live.pop(str(change.live_file_id))
        if change.action is FileAction.RENAME:
            live[str(change.live_file_id)] = (change.path, live[str(change.live_file_id)][1])
        if change.uploads:
            live[f"new-{change.path}"] = (change.path, next(
                c for p, c in after.items() if f"{p}.md" == change.path))
    assert sorted(live.values()) == sorted((f"{p}.md", c) for p, c in after.items())
    uploaded = sum(1 for c in changes if c.uploads)
    reusable = sum(1 for p, c in after.items() if (p, c) in before.items())
    assert uploaded <= len(after) - reusable


@pytest.mark.parametrize("action", [FileAction.UPLOAD, FileAction.REPLACE])
def test_an_upload_must_name_its_local_file(action: FileAction) -> None:
    with pytest.raises(ValueError, match="read from disk"):
        FileChange(action=action, path="a.md", live_file_id=None if action is
                   FileAction.UPLOAD else "f1")


def test_store_globs_exclude_folders_and_hash_files(tmp_path: Any) -> None:
    from reconciler.manifests.project import load_manifest_set

    for name, text in {"docs/a.md": "A", "docs/deep/b.md": "B", "docs/drafts/c.md": "C",
                       "docs/x.txt": "X"}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / "kb.yaml").write_text(
        "apiVersion: reconciler/v1\nkind: VectorStore\nmetadata: {name: kb}\n"
        "spec:\n  files: ['docs/**/*.md', docs/x.txt, docs/a.md]\n"
        "  exclude: ['docs/drafts/**']\n")
    loaded = load_manifest_set([str(tmp_path)])
    assert not loaded.diagnostics.has_errors
    [kb] = loaded.resources
    assert [(f.path, f.sha256, f.size) for f in kb.files] == [
        ("docs/a.md", digest("A"), 1), ("docs/deep/b.md", digest("B"), 1),
        ("docs/x.txt", digest("X"), 1)]
    assert kb.chunking_strategy == AUTO


def test_a_file_that_cannot_be_read_is_an_error_at_its_entry(
        tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """No permission (or gone since it was listed): one located error, not a traceback."""
    from reconciler.kinds import declared_files as declared
    from reconciler.manifests.project import load_manifest_set

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("A")
    (tmp_path / "docs" / "locked.md").write_text("L")
    (tmp_path / "kb.yaml").write_text(
        "apiVersion: reconciler/v1\nkind: VectorStore\nmetadata: {name: kb}\n"
        "spec:\n  files: ['docs/*.md']\n")
    real = declared.sha256_of

    def locked(path: str) -> str:
        if path.endswith("locked.md"):
            raise PermissionError(13, "Permission denied", path)
        return real(path)

    monkeypatch.setattr(declared, "sha256_of", locked)
    loaded = load_manifest_set([str(tmp_path)])
    assert [(d.code.value, d.message, d.location.line if d.location else None, d.path)
            for d in loaded.diagnostics] == [
        ("invalid-value", "'docs/locked.md' cannot be read: Permission denied", 5,
         "spec.files")]


def test_a_glob_matching_nothing_warns_and_a_missing_path_is_an_error(tmp_path: Any) -> None:
    from reconciler.diagnostics import Severity
    from reconciler.manifests.project import load_manifest_set

    (tmp_path / "kb.yaml").write_text(
        "apiVersion: reconciler/v1\nkind: VectorStore\nmetadata: {name: kb}\n"
        "spec:\n  files: ['docs/**/*.pdf']\n---\n"
        "apiVersion: reconciler/v1\nkind: VectorStore\nmetadata: {name: other}\n"
        "spec:\n  files: [docs/handbook.pdf]\n")
    loaded = load_manifest_set([str(tmp_path)])
    found = [(d.severity, d.code.value, d.location.line if d.location else None)
             for d in loaded.diagnostics if d.code.value != "unused-vector-store"]
    assert found == [(Severity.WARNING, "missing-file", 5), (Severity.ERROR, "missing-file", 11)]
    assert [(r.name, r.files) for r in loaded.resources] == [("kb", ())]


def test_an_expired_store_is_replaced_with_every_file(tmp_path: Any) -> None:
    from reconciler.manifests.project import load_manifest_set
    from reconciler.plan.diff import diff
    from reconciler.plan.model import Action

    (tmp_path / "a.md").write_text("A")
    (tmp_path / "kb.yaml").write_text(
        "apiVersion: reconciler/v1\nkind: VectorStore\nmetadata: {name: kb}\n"
        "spec:\n  files: [a.md]\n  expires_after: {anchor: last_active_at, days: 1}\n")
    [kb] = load_manifest_set([str(tmp_path)]).resources
    live = LiveObject(kind="VectorStore", id="vs_1", created_at=0, raw={
        "id": "vs_1", "name": "kb", "status": "expired",
        "expires_after": {"anchor": "last_active_at", "days": 1},
        "metadata": ownership.marks("kb", "x"), "file_counts": {"total": 1}},
        files=(live_file("f1", "a.md", "A"),))
    upload = LiveObject(kind="File", id="f1", created_at=0, raw={
        "id": "f1", "bytes": 1, "filename": ownership.upload_name(digest("A"), "a.md")})
    [change] = diff([kb], [live, upload], endpoint="e").changes
    assert change.action is Action.REPLACE
    assert change.reason == "the store expired (expires_after)"
    # the old store's upload of a.md is attached to the new store: nothing is sent again
    [again] = change.files
    assert (again.action, again.path, again.upload_id, again.uploads) == (
        FileAction.UPLOAD, "a.md", "f1", False)


def test_a_path_longer_than_an_attribute_value_is_an_error(tmp_path: Any) -> None:
    from reconciler.manifests.project import load_manifest_set

    folder = tmp_path / "/".join(["d" * 100] * 6)
    folder.mkdir(parents=True)
    (folder / "page.md").write_text("P")
    (tmp_path / "kb.yaml").write_text(
        "apiVersion: reconciler/v1\nkind: VectorStore\nmetadata: {name: kb}\n"
        "spec:\n  files: ['**/*.md']\n")
    loaded = load_manifest_set([str(tmp_path)])
    [problem] = [d for d in loaded.diagnostics]
    assert problem.code.value == "too-long" and "512" in problem.message
    assert loaded.resources == []


def test_an_empty_file_is_a_warning(tmp_path: Any) -> None:
    from reconciler.diagnostics import Severity
    from reconciler.manifests.project import load_manifest_set

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "empty.md").write_text("")
    (tmp_path / "kb.yaml").write_text(
        "apiVersion: reconciler/v1\nkind: VectorStore\nmetadata: {name: kb}\n"
        "spec:\n  files: ['docs/*.md']\n")
    loaded = load_manifest_set([str(tmp_path)])
    assert [(d.severity, d.code.value, d.path) for d in loaded.diagnostics] == [
        (Severity.WARNING, "empty-file", "spec.files[0]"),
        (Severity.WARNING, "unused-vector-store", "metadata.name")]
    assert [f.path for f in loaded.resources[0].files] == ["docs/empty.md"]


def test_a_store_no_resource_uses_is_a_warning(tmp_path: Any) -> None:
    from reconciler.manifests.project import load_manifest_set

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# A\n")
    store = ("apiVersion: reconciler/v1\nkind: VectorStore\nmetadata: {name: kb}\n"
             "spec:\n  files: ['docs/*.md']\n")
    (tmp_path / "kb.yaml").write_text(store)
    alone = load_manifest_set([str(tmp_path)])
    [warning] = list(alone.diagnostics)
    assert warning.code.value == "unused-vector-store" and warning.path == "metadata.name"
    assert "VectorStore/kb is used by no resource" in warning.message
    assert "the Agents API has none" in (warning.hint or "")
    (tmp_path / "helper.yaml").write_text(
        "apiVersion: reconciler/v1\nkind: Assistant\nmetadata: {name: helper}\n"
        "spec:\n  model: gpt-6-luna\n  tools: [{type: file_search}]\n"
        "  tool_resources: {file_search: {vector_stores: [kb]}}\n")
    used = load_manifest_set([str(tmp_path)])
    assert list(used.diagnostics) == []


def test_a_comment_and_a_text_plan_show_the_first_50_files_of_a_store() -> None:
    from reconciler.plan.model import Action, Plan, ResourceChange
    from reconciler.render.plan import render_json, render_markdown, render_text

    files = tuple(FileChange(action=FileAction.UPLOAD, path=f"docs/{i:03}.md", size=1024,
                             sha256="0" * 64, local=f"docs/{i:03}.md") for i in range(120))
    plan = Plan(endpoint="e", changes=(ResourceChange(
        address="VectorStore/kb", kind="VectorStore", name="kb", action=Action.UPDATE,
        live_id="vs_1", before={}, after={}, body={}, files=files),))
    markdown = render_markdown(plan)
    assert "+ file docs/049.md (upload, 1.0 KiB)" in markdown
    assert "docs/050.md" not in markdown
    assert "... and 70 more files (70.0 KiB to upload); `plan --format json` lists every " \
           "one" in markdown
    text = render_text(plan)
    assert "+ file docs/049.md (upload, 1.0 KiB)" in text and "docs/050.md" not in text
    assert "... and 70 more files (70.0 KiB to upload); `plan --format json` lists" in text
    assert "docs/119.md" in render_json(plan)


def test_repeated_double_stars_walk_each_folder_once(tmp_path: Any) -> None:
    """Without remembering what was walked, these take minutes on a 30-deep folder chain."""
    from reconciler.boundary import ProjectRoot

    deep = tmp_path.joinpath(*["x"] * 30)
    deep.mkdir(parents=True)
    (deep / "a.md").write_text("# a\n")
    root = ProjectRoot.at(tmp_path)
    for pattern in ("**/**/**/**/**/**/**/**/*.md", "**/*/**/*/**/*/**/*.md"):
        assert [p.name for p in root.match(tmp_path, pattern).files] == ["a.md"]
