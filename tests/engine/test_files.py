"""Files and vector stores as code, end to end against the emulator: add, change, rename and
remove files; a store shared by two assistants; code_interpreter files; failed indexing;
waiting for indexing; an apply killed mid-upload followed by a clean convergence."""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from openai_emulator.process import EmulatorProcess, spawn
from reconciler import ownership
from reconciler.exitcodes import ExitCode
from tests.engine.conftest import Project

STORE = """
apiVersion: reconciler/v1
kind: VectorStore
metadata:
  name: kb
spec:
  name: Knowledge base
  files: ["docs/**/*.md"]
  metadata: {team: support}
"""

HELPER = """
apiVersion: reconciler/v1
kind: Assistant
metadata:
  name: {name}
spec:
  model: gpt-6-luna
  tools: [{{type: file_search}}, {{type: code_interpreter}}]
  tool_resources:
    file_search: {{vector_stores: [kb]}}
    code_interpreter: {{files: [data/sales.csv]}}
"""


def docs(project: Project, files: dict[str, str | bytes]) -> None:
    """Write repository files beside the manifests (str: text; bytes: as is)."""
    for name, content in files.items():
        target = project.root / "manifests" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def stores(project: Project) -> dict[str, dict[str, Any]]:
    found = {}
    for store in project.client.vector_stores.list(limit=100):
        name = ownership.owner(store.metadata)
        if name is not None:
            found[name] = store.model_dump(mode="json")
    return found


def store_files(project: Project, store_id: str) -> dict[str, dict[str, Any]]:
    """Path -> live store file, asserting no path is held twice."""
    found: dict[str, dict[str, Any]] = {}
    for item in project.client.vector_stores.files.list(store_id, limit=100):
        entry = item.model_dump(mode="json")
        path = str((entry.get("attributes") or {}).get(ownership.PATH_ATTRIBUTE))
        assert path not in found, f"{path} is attached twice"
        found[path] = entry
    return found


def uploads(project: Project) -> dict[str, str]:
    """Id -> name of our uploads."""
    return {f.id: f.filename for f in project.client.files.list(purpose="assistants")
            if ownership.uploaded_sha(f.filename)}


def plan_json(project: Project, *args: str) -> dict[str, Any]:
    result = project.run("plan", "--format", "json", *args)
    assert result.exit_code == ExitCode.OK, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def file_actions(plan: dict[str, Any], address: str) -> dict[str, str]:
    change = next(c for c in plan["changes"] if c["address"] == address)
    return {f["path"]: f["action"] for f in change["files"]}


def apply(project: Project, *args: str) -> str:
    result = project.run("apply", "--auto-approve", *args)
    assert result.exit_code == ExitCode.OK, result.output
    return result.output


def assert_converged(project: Project) -> None:
    result = project.run("plan", "--detailed-exitcode")
    assert result.exit_code == ExitCode.OK, result.output


def assert_no_orphans(project: Project) -> None:
    """Every upload of ours is attached to a store or used by an assistant."""
    used = {f for s in stores(project).values() for f in store_files(project, s["id"])
            .values() for f in [f["id"]]}
    for assistant in project.live("Assistant"):
        used.update(((assistant.get("tool_resources") or {}).get("code_interpreter") or {})
                    .get("file_ids") or [])
    assert set(uploads(project)) <= used, "orphaned uploads are left"


@pytest.fixture
def kb(project: Project) -> Project:
    docs(project, {"docs/guide.md": "# Guide\nHow to.\n", "docs/faq.md": "# FAQ\nWhy.\n",
                   "docs/deep/setup.md": "# Setup\nSteps.\n", "data/sales.csv": "a,b\n1,2\n"})
    project.write({"kb.yaml": STORE, "helper.yaml": HELPER.format(name="helper")})
    return project


def test_plan_lists_files_with_sizes_and_counts_bytes(kb: Project) -> None:
    plan = plan_json(kb)
    assert file_actions(plan, "VectorStore/kb") == {
        "docs/deep/setup.md": "upload", "docs/faq.md": "upload", "docs/guide.md": "upload"}
    assert file_actions(plan, "Assistant/helper") == {"data/sales.csv": "upload"}
    sizes = [len("# Guide\nHow to.\n"), len("# FAQ\nWhy.\n"), len("# Setup\nSteps.\n"),
             len("a,b\n1,2\n")]
    assert plan["summary"]["upload_files"] == 4
    assert plan["summary"]["upload_bytes"] == sum(sizes)
    helper = next(c for c in plan["changes"] if c["address"] == "Assistant/helper")
    assert helper["depends_on"] == ["VectorStore/kb"]
    text = kb.run("plan").stdout
    assert "+ file docs/guide.md (upload, 16 B)" in text
    assert f"Files: 4 to upload ({sum(sizes)} B), 0 to delete." in text
    assert kb.writes() == 0


def test_apply_uploads_attaches_and_resolves_ids(kb: Project) -> None:
    output = apply(kb)
    assert "3 files uploaded" in output
    store = stores(kb)["kb"]
    assert store["name"] == "Knowledge base" and store["metadata"]["team"] == "support"
    attached = store_files(kb, store["id"])
    assert sorted(attached) == ["docs/deep/setup.md", "docs/faq.md", "docs/guide.md"]
    assert all(f["status"] == "completed" for f in attached.values())
    assert attached["docs/guide.md"]["attributes"][ownership.SHA_ATTRIBUTE] == sha(
        "# Guide\nHow to.\n")
    helper = kb.managed("Assistant")["helper"]
    assert helper["tool_resources"]["file_search"]["vector_store_ids"] == [store["id"]]
    [code_file] = helper["tool_resources"]["code_interpreter"]["file_ids"]
    assert uploads(kb)[code_file] == "reconciler-" + sha("a,b\n1,2\n") + "-sales.csv"
    assert_no_orphans(kb)


def test_unchanged_reapply_sends_no_upload_and_lists_no_store_files(kb: Project) -> None:
    apply(kb)
    kb.clear_stats()
    assert_converged(kb)
    output = apply(kb)
    assert "No changes" in output
    requests = kb.requests()
    assert kb.writes() == 0
    assert not any("/files" in label and "vector_stores" in label for label in requests)
    assert requests["GET /v1/files"] == 2  # one list per plan, for orphans


def test_change_rename_add_remove(kb: Project) -> None:
    apply(kb)
    old = store_files(kb, stores(kb)["kb"]["id"])
    docs(kb, {"docs/guide.md": "# Guide\nHow to, v2.\n", "docs/new.md": "# New\n"})
    (kb.root / "manifests/docs/faq.md").rename(kb.root / "manifests/docs/questions.md")
    (kb.root / "manifests/docs/deep/setup.md").unlink()
    plan = plan_json(kb)
    assert file_actions(plan, "VectorStore/kb") == {
        "docs/guide.md": "replace", "docs/new.md": "upload", "docs/questions.md": "rename",
        "docs/deep/setup.md": "delete"}
    assert plan["summary"]["upload_files"] == 2
    kb.clear_stats()
    apply(kb)
    assert kb.requests()["POST /v1/files"] == 2  # the renamed file is not sent again
    attached = store_files(kb, stores(kb)["kb"]["id"])
    assert sorted(attached) == ["docs/guide.md", "docs/new.md", "docs/questions.md"]
    assert attached["docs/questions.md"]["id"] == old["docs/faq.md"]["id"]
    assert attached["docs/guide.md"]["id"] != old["docs/guide.md"]["id"]
    live_uploads = uploads(kb)
    assert old["docs/guide.md"]["id"] not in live_uploads  # the old version is deleted
    assert old["docs/deep/setup.md"]["id"] not in live_uploads
    assert_no_orphans(kb)
    assert_converged(kb)


def test_code_interpreter_file_changes_replace_the_upload(kb: Project) -> None:
    apply(kb)
    [before] = kb.managed("Assistant")["helper"]["tool_resources"]["code_interpreter"][
        "file_ids"]
    docs(kb, {"data/sales.csv": "a,b\n3,4\n"})
    plan = plan_json(kb)
    change = next(c for c in plan["changes"] if c["address"] == "Assistant/helper")
    assert [(f["action"], f["live_file_id"]) for f in change["files"]] == [
        ("upload", None), ("delete", before)]
    apply(kb)
    [after] = kb.managed("Assistant")["helper"]["tool_resources"]["code_interpreter"][
        "file_ids"]
    assert after != before and before not in uploads(kb)
    assert_no_orphans(kb)
    assert_converged(kb)


def test_a_store_shared_by_two_assistants(kb: Project) -> None:
    kb.write({"other.yaml": HELPER.format(name="other")})
    apply(kb)
    store_id = stores(kb)["kb"]["id"]
    managed = kb.managed("Assistant")
    for name in ("helper", "other"):
        assert managed[name]["tool_resources"]["file_search"]["vector_store_ids"] == [store_id]
    assert len(uploads(kb)) == 5  # three store files, one code file per assistant
    kb.remove("other.yaml")
    plan = plan_json(kb)
    assert [(c["address"], c["action"]) for c in plan["changes"]] == [
        ("Assistant/other", "delete")]
    apply(kb)
    assert stores(kb)["kb"]["id"] == store_id
    assert len(uploads(kb)) == 4
    assert_no_orphans(kb)
    assert_converged(kb)


def test_removing_a_store_deletes_it_and_its_uploads(kb: Project) -> None:
    theirs = kb.client.files.create(file=("theirs.md", b"# Theirs\n"), purpose="assistants")
    their_store = kb.client.vector_stores.create(name="by hand", file_ids=[theirs.id])
    apply(kb)
    kb.remove("helper.yaml")
    kb.remove("kb.yaml")
    refused = kb.run("plan")
    assert refused.exit_code == ExitCode.ERROR and "error[no-manifests]" in refused.output
    plan = plan_json(kb, "--allow-mass-delete")
    store_change = next(c for c in plan["changes"] if c["address"] == "VectorStore/kb")
    assert store_change["action"] == "delete" and len(store_change["files"]) == 3
    assert plan["summary"]["delete_files"] == 4
    apply(kb, "--allow-mass-delete")
    assert stores(kb) == {} and uploads(kb) == {}
    # what the reconciler did not make is never deleted
    assert kb.client.vector_stores.retrieve(their_store.id).name == "by hand"
    assert [f.id for f in kb.client.vector_stores.files.list(their_store.id)] == [theirs.id]
    assert kb.client.files.retrieve(theirs.id).filename == "theirs.md"


def test_hand_attached_files_are_detached_but_kept(kb: Project) -> None:
    apply(kb)
    store_id = stores(kb)["kb"]["id"]
    foreign = kb.client.files.create(file=("notes.md", b"# Notes\n"), purpose="assistants")
    kb.client.vector_stores.files.create(store_id, file_id=foreign.id)
    # the digest still matches, but the counts do not: the store's files are listed
    plan = plan_json(kb)
    assert file_actions(plan, "VectorStore/kb") == {foreign.id: "detach"}
    apply(kb)
    assert foreign.id not in store_files(kb, store_id)
    assert kb.client.files.retrieve(foreign.id).id == foreign.id


def test_chunking_strategy_change_rechunks_without_upload(kb: Project) -> None:
    apply(kb)
    kb.write({"kb.yaml": STORE + "  chunking_strategy: {type: static, static: "
                                 "{max_chunk_size_tokens: 400, chunk_overlap_tokens: 100}}\n"})
    plan = plan_json(kb)
    assert set(file_actions(plan, "VectorStore/kb").values()) == {"rechunk"}
    kb.clear_stats()
    apply(kb)
    assert "POST /v1/files" not in kb.requests()
    for entry in store_files(kb, stores(kb)["kb"]["id"]).values():
        assert entry["chunking_strategy"]["static"]["max_chunk_size_tokens"] == 400
    assert_converged(kb)


def test_failed_indexing_is_reported_and_cleaned(kb: Project) -> None:
    docs(kb, {"docs/empty.md": ""})
    result = kb.run("apply", "--auto-approve")
    assert result.exit_code == ExitCode.ERROR
    assert "docs/empty.md: indexing failed: invalid_file: The file is empty." in result.output
    assert "Apply incomplete" in result.output
    store_id = stores(kb)["kb"]["id"]
    assert sorted(store_files(kb, store_id)) == [
        "docs/deep/setup.md", "docs/faq.md", "docs/guide.md"]
    # the assistant still got the store: it exists, only one file failed
    helper = kb.managed("Assistant")["helper"]
    assert helper["tool_resources"]["file_search"]["vector_store_ids"] == [store_id]
    assert_no_orphans(kb)
    plan = plan_json(kb)
    assert file_actions(plan, "VectorStore/kb") == {"docs/empty.md": "upload"}


def test_undeclared_store_and_missing_file_are_validation_errors(project: Project) -> None:
    project.write({"a.yaml": """
        apiVersion: reconciler/v1
        kind: Assistant
        metadata: {name: a}
        spec:
          model: gpt-6-luna
          tool_resources:
            file_search: {vector_stores: [nope]}
            code_interpreter: {files: [data/missing.csv]}
        """})
    result = project.run("apply", "--auto-approve")
    assert result.exit_code == ExitCode.ERROR
    assert ("a.yaml:7:35: error[unknown-vector-store] spec.tool_resources.file_search."
            "vector_stores[0]") in result.output
    assert "a.yaml:8:32: error[missing-file]" in result.output
    assert project.writes() == 0


@pytest.fixture(scope="module")
def slow_emulator(tmp_path_factory: pytest.TempPathFactory) -> Any:
    running = spawn(tmp_path_factory.mktemp("slow"), "--index-delay", "1.0")
    yield running
    running.stop()


def test_apply_waits_for_indexing_and_times_out_clearly(
        slow_emulator: EmulatorProcess, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "reconciler.yaml").write_text("manifests: [manifests]\n")
    project = Project(tmp_path, slow_emulator)
    docs(project, {"docs/a.md": "# A\n", "docs/b.md": "# B\n"})
    project.write({"kb.yaml": STORE})
    result = project.run("apply", "--auto-approve", "--index-timeout", "0.2")
    assert result.exit_code == ExitCode.ERROR
    assert "files still indexing after 0.2 s" in result.output
    plan = plan_json(project)  # not recorded as done: the next plan looks at the files
    change = next(c for c in plan["changes"] if c["address"] == "VectorStore/kb")
    assert change["files"] == [] and [f["path"] for f in change["fields"]] == [
        "files.indexed"]
    apply(project)  # nothing new to upload: it still waits for the files in progress
    attached = store_files(project, stores(project)["kb"]["id"])
    assert {f["status"] for f in attached.values()} == {"completed"}
    assert_converged(project)
    docs(project, {"docs/c.md": "# C\n"})
    started = time.monotonic()
    apply(project)
    assert time.monotonic() - started >= 0.9  # it waited for indexing
    attached = store_files(project, stores(project)["kb"]["id"])
    assert {f["status"] for f in attached.values()} == {"completed"}
    assert_converged(project)


def test_apply_killed_mid_upload_then_converges(kb: Project) -> None:
    docs(kb, {f"docs/bulk/{i:02}.md": f"# Page {i}\n" for i in range(12)})
    kb.emulator.faults({"fault": "latency", "methods": ["POST"], "path": "/v1/files",
                        "latency_ms": 150})
    env = {**os.environ, **kb.env}
    process = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "apply", "--auto-approve", "--parallelism", "2"],
        cwd=kb.root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while kb.requests().get("POST /v1/files", 0) < 4:
        assert process.poll() is None, "apply finished before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    time.sleep(0.5)  # requests the server already had (slowed by 150 ms) finish storing
    kb.emulator.faults()
    stranded = uploads(kb)
    assert len(stranded) >= 2, "the killed apply uploaded files"
    # one stranded upload no longer matches its file: it is deleted; the others are reused
    edited_id, edited_name = sorted(stranded.items())[0]
    edited = next((kb.root / "manifests/docs").rglob(ownership.uploaded_path(edited_name)))
    edited.write_text(edited.read_text() + "Edited after the interruption.\n")
    # the killed apply still holds the lock (it would expire in 2 minutes): free it by hand
    held = kb.run("lock", "status", "--format", "json")
    [lock] = json.loads(held.stdout)
    assert kb.run("apply", "--auto-approve").exit_code == ExitCode.ERROR
    alive = kb.run("force-unlock", lock["id"], "--yes")  # renewed seconds ago: looks alive
    assert alive.exit_code == ExitCode.ERROR and "--force" in alive.stderr
    assert kb.run("force-unlock", lock["id"], "--yes", "--force").exit_code == ExitCode.OK
    plan = plan_json(kb)
    assert [c["live_id"] for c in plan["changes"] if c["kind"] == "File"] == [edited_id]
    reused = {f["upload_id"] for c in plan["changes"] for f in c["files"] if f["upload_id"]}
    assert reused == set(stranded) - {edited_id}
    kb.clear_stats()
    apply(kb)
    assert kb.requests()["POST /v1/files"] == 16 - len(reused)  # 15 store files + 1 code file
    assert edited_id not in uploads(kb)
    assert reused <= set(uploads(kb))
    assert len(store_files(kb, stores(kb)["kb"]["id"])) == 15
    assert_no_orphans(kb)
    assert_converged(kb)
    assert len(uploads(kb)) == 16  # no duplicates: 15 store files and one code file


FILE_FAULTS = [
    {"fault": "server_error", "status": 503, "methods": ["POST", "DELETE"], "rate": 0.1},
    {"fault": "disconnect", "methods": ["POST", "DELETE"], "rate": 0.05},
    {"fault": "commit_then_fail", "then": "disconnect", "methods": ["POST", "DELETE"],
     "rate": 0.1},
    {"fault": "rate_limit", "retry_after": 0.01, "methods": ["GET"], "rate": 0.05},
]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_files_converge_under_faults_without_duplicates(kb: Project, seed: int) -> None:
    """Uploads, batches, detaches and deletes fail at random (some after being stored): a
    few applies converge to exactly the declared files, with no orphan or duplicate."""
    docs(kb, {f"docs/bulk/{i:02}.md": f"# Page {i}\n" for i in range(10)})
    apply(kb)
    docs(kb, {f"docs/bulk/{i:02}.md": f"# Page {i}, v2\n" for i in range(0, 10, 2)})
    (kb.root / "manifests/docs/faq.md").unlink()
    kb.emulator.faults(*FILE_FAULTS, seed=seed)
    for _ in range(6):
        result = kb.run("apply", "--auto-approve", "--retry-timeout", "2")
        if result.exit_code == ExitCode.OK and "No changes" in result.output:
            break
    assert sum(kb.emulator.stats()["faults"].values()) > 0, "faults were injected"
    kb.emulator.faults()
    assert_converged(kb)
    attached = store_files(kb, stores(kb)["kb"]["id"])
    assert len(attached) == 12 and "docs/faq.md" not in attached
    assert attached["docs/bulk/00.md"]["attributes"][ownership.SHA_ATTRIBUTE] == sha(
        "# Page 0, v2\n")
    assert_no_orphans(kb)
    assert len(uploads(kb)) == 13


def test_saved_plan_with_files_is_refused_when_a_file_changed(kb: Project) -> None:
    assert kb.run("plan", "--out", "plan.json").exit_code == ExitCode.OK
    docs(kb, {"docs/guide.md": "# Guide\nEdited after the plan.\n"})
    result = kb.run("apply", "plan.json")
    assert result.exit_code == ExitCode.ERROR
    assert "VectorStore/kb: its manifest was changed" in result.output
    assert kb.writes() == 0
    assert kb.run("plan", "--out", "plan.json").exit_code == ExitCode.OK
    apply(kb, "plan.json")
    assert_converged(kb)


def test_upload_progress_counts_bytes_and_files(kb: Project) -> None:
    from reconciler.apply.filesync import FileSync, Progress
    from reconciler.kinds.file.provider import FileProvider
    from reconciler.kinds.vector_store.provider import VectorStoreProvider
    from reconciler.plan.model import FileAction, FileChange
    from reconciler.provider.retry import RetryPolicy

    seen: list[tuple[int, int]] = []
    changes = [FileChange(action=FileAction.UPLOAD, path=p, local=str(
        kb.root / "manifests" / p), size=(kb.root / "manifests" / p).stat().st_size,
        sha256=sha((kb.root / "manifests" / p).read_text())) for p in (
        "docs/guide.md", "docs/faq.md")]
    total = sum(c.size for c in changes)
    progress = Progress(2, total, lambda p: seen.append((p.files_done, p.bytes_done)))
    sync = FileSync(VectorStoreProvider(kb.client), FileProvider(kb.client),
                    retry=RetryPolicy(total=1), parallelism=2, index_timeout=5,
                    progress=progress)
    outcome = sync.upload_all(changes)
    assert sorted(outcome.uploaded) == ["docs/faq.md", "docs/guide.md"]
    assert outcome.uploaded_bytes == total
    assert (progress.files_done, progress.bytes_done) == (2, total)
    assert seen[-1] == (2, total) and len(seen) >= 4


def test_replacing_a_store_attaches_its_uploads_to_the_new_one(kb: Project) -> None:
    apply(kb)
    old_store = stores(kb)["kb"]["id"]
    old_uploads = {f["id"] for f in store_files(kb, old_store).values()}
    docs(kb, {"docs/faq.md": "# FAQ\nChanged too.\n"})
    plan = json.loads(kb.run("plan", "--replace", "VectorStore/kb", "--format", "json").stdout)
    change = next(c for c in plan["changes"] if c["address"] == "VectorStore/kb")
    assert change["action"] == "replace"
    assert sorted((f["action"], f["path"], f["upload_id"] is not None)
                  for f in change["files"]) == [
        ("delete", "docs/faq.md", False), ("upload", "docs/deep/setup.md", True),
        ("upload", "docs/faq.md", False), ("upload", "docs/guide.md", True)]
    kb.clear_stats()
    apply(kb, "--replace", "VectorStore/kb")
    assert kb.requests()["POST /v1/files"] == 1  # only the changed file is sent
    new_store = stores(kb)["kb"]["id"]
    assert new_store != old_store
    attached = store_files(kb, new_store)
    assert len(attached) == 3
    assert len(old_uploads & {f["id"] for f in attached.values()}) == 2
    helper = kb.managed("Assistant")["helper"]
    assert helper["tool_resources"]["file_search"]["vector_store_ids"] == [new_store]
    assert_no_orphans(kb)
    assert_converged(kb)


def test_progress_in_a_log_is_a_line_every_ten_seconds_and_at_each_phase_end() -> None:
    from reconciler.apply.filesync import Progress
    from reconciler.render.progress import LogLines

    now = [0.0]
    lines: list[str] = []
    progress = Progress(2, 3 * 1024 * 1024, LogLines(clock=lambda: now[0], write=lines.append))
    progress.sent(1024 * 1024)
    now[0] = 5.0
    progress.sent(1024)  # within ten seconds of the last line: nothing
    progress.finished()
    now[0] = 11.0
    progress.sent(2 * 1024 * 1024 - 1024)
    progress.finished()  # the phase ends: its last line at once
    progress.indexed("batch_1", 0, 2)
    progress.indexed("batch_1", 1, 2)
    progress.indexed("batch_1", 2, 2)
    assert lines == ["uploading: 0/2 files, 1.0 MiB of 3.0 MiB",
                     "uploading: 1/2 files, 3.0 MiB of 3.0 MiB",
                     "uploading: 2/2 files, 3.0 MiB of 3.0 MiB",
                     "indexing: 0/2 files completed", "indexing: 2/2 files completed"]


def test_progress_bars_on_a_terminal_then_indexing() -> None:
    from rich.console import Console

    from reconciler.apply.filesync import Progress
    from reconciler.render.progress import Bars

    screen = io.StringIO()
    with Bars(Console(file=screen, force_terminal=True, color_system=None, width=120)) as bars:
        progress = Progress(2, 3 * 1024 * 1024, bars)
        progress.sent(3 * 1024 * 1024)
        progress.finished()
        progress.finished()
        progress.indexed("batch_1", 2, 2)
    shown = screen.getvalue()
    assert "uploading" in shown and "3.0/3.0 MiB" in shown and "2/2 files" in shown
    assert "indexing" in shown and "2/2 files completed" in shown
    assert "MiBiB" not in shown


def test_inventory_shows_a_store_whose_files_changed_as_drifted(kb: Project) -> None:
    apply(kb)
    docs(kb, {"docs/guide.md": "# Guide\nEdited.\n"})
    table = json.loads(kb.run("inventory", "--format", "json").stdout)
    status = {(row["kind"], row["manifest"]): row["status"] for row in table}
    assert status[("VectorStore", "kb")] == "drifted"
    assert status[("Assistant", "helper")] == "in sync"
    assert all(row["kind"] != "File" for row in table)


def test_store_fields_update_in_place(kb: Project) -> None:
    apply(kb)
    store_id = stores(kb)["kb"]["id"]
    kb.write({"kb.yaml": STORE.replace("Knowledge base", "Support knowledge")
              + "  expires_after: {anchor: last_active_at, days: 30}\n"})
    plan = plan_json(kb)
    change = next(c for c in plan["changes"] if c["address"] == "VectorStore/kb")
    assert change["action"] == "update" and change["files"] == []
    assert sorted(f["path"] for f in change["fields"]) == ["expires_after", "name"]
    apply(kb)
    live = stores(kb)["kb"]
    assert live["id"] == store_id and live["name"] == "Support knowledge"
    assert live["expires_after"] == {"anchor": "last_active_at", "days": 30}
    assert_converged(kb)
    kb.write({"kb.yaml": STORE})
    apply(kb)
    assert stores(kb)["kb"].get("expires_after") is None
    assert_converged(kb)


def test_prevent_destroy_guards_a_store(kb: Project) -> None:
    kb.write({"kb.yaml": STORE + "  lifecycle: {prevent_destroy: true}\n"})
    apply(kb)
    kb.remove("helper.yaml")
    kb.remove("kb.yaml")
    result = kb.run("plan", "--allow-mass-delete")
    assert result.exit_code == ExitCode.ERROR
    assert "VectorStore/kb" in result.output and "prevent_destroy" in result.output


def test_progress_takes_back_the_bytes_of_a_failed_attempt(kb: Project) -> None:
    from reconciler.apply.filesync import FileSync, Progress
    from reconciler.kinds.file.provider import FileProvider
    from reconciler.kinds.vector_store.provider import VectorStoreProvider
    from reconciler.plan.model import FileAction, FileChange
    from reconciler.provider.retry import RetryPolicy

    local = kb.root / "manifests" / "docs" / "guide.md"
    change = FileChange(action=FileAction.UPLOAD, path="docs/guide.md", local=str(local),
                        size=local.stat().st_size, sha256=sha(local.read_text()))
    kb.emulator.faults({"fault": "server_error", "methods": ["POST"], "path": "/v1/files",
                        "on": [1]})
    progress = Progress(1, change.size)
    sync = FileSync(VectorStoreProvider(kb.client), FileProvider(kb.client),
                    retry=RetryPolicy(base=0.01, total=5), parallelism=1, index_timeout=5,
                    progress=progress)
    outcome = sync.upload_all([change])
    kb.emulator.faults()
    assert list(outcome.uploaded) == ["docs/guide.md"]
    assert kb.requests()["POST /v1/files"] == 2
    assert (progress.files_done, progress.bytes_done) == (1, change.size)


def test_a_replaced_file_keeps_its_old_version_until_the_new_one_is_indexed(
        slow_emulator: EmulatorProcess, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    slow_emulator.reset()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "reconciler.yaml").write_text("manifests: [manifests]\n")
    project = Project(tmp_path, slow_emulator)
    docs(project, {"docs/a.md": "# A\n"})
    project.write({"kb.yaml": STORE})
    apply(project)
    store_id = stores(project)["kb"]["id"]
    [old] = [f["id"] for f in store_files(project, store_id).values()]
    docs(project, {"docs/a.md": "# A, v2\n"})
    result = project.run("apply", "--auto-approve", "--index-timeout", "0.2")
    assert result.exit_code == ExitCode.ERROR and "still indexing" in result.output
    entries = list(project.client.vector_stores.files.list(store_id))
    assert old in [e.id for e in entries] and len(entries) == 2  # both, until it is indexed
    apply(project)
    [new] = [f["id"] for f in store_files(project, store_id).values()]
    assert new != old and old not in uploads(project)
    assert_converged(project)


def test_a_file_changed_since_the_plan_is_not_left_uploaded(kb: Project) -> None:
    from reconciler.apply.filesync import FileSync
    from reconciler.kinds.file.provider import FileProvider
    from reconciler.kinds.vector_store.provider import VectorStoreProvider
    from reconciler.plan.model import FileAction, FileChange
    from reconciler.provider.retry import RetryPolicy

    local = kb.root / "manifests" / "docs" / "guide.md"
    planned = sha(local.read_text())
    local.write_text(local.read_text().upper())  # same size, other content
    change = FileChange(action=FileAction.UPLOAD, path="docs/guide.md", local=str(local),
                        size=local.stat().st_size, sha256=planned)
    sync = FileSync(VectorStoreProvider(kb.client), FileProvider(kb.client),
                    retry=RetryPolicy(total=1), parallelism=1, index_timeout=5)
    outcome = sync.upload_all([change])
    assert outcome.uploaded == {}
    [error] = outcome.errors
    assert "changed since the plan" in error and "make a new plan" in error
    assert uploads(kb) == {}
