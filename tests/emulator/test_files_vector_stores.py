"""Files and vector stores through the official SDK; every answer matches the spec."""

from __future__ import annotations

import io
import time

import openai
import pytest


def upload(client: openai.OpenAI, name: str, content: bytes) -> str:
    return client.files.create(file=(name, io.BytesIO(content)), purpose="assistants").id


def test_file_upload_list_retrieve_content_delete(client: openai.OpenAI) -> None:
    created = client.files.create(file=("notes.md", io.BytesIO(b"# Notes\n")),
                                  purpose="assistants")
    assert (created.filename, created.bytes, created.purpose) == ("notes.md", 8, "assistants")
    assert client.files.retrieve(created.id).id == created.id
    assert client.files.content(created.id).read() == b"# Notes\n"
    listed = [f.id for f in client.files.list(purpose="assistants")]
    assert created.id in listed
    assert created.id not in [f.id for f in client.files.list(purpose="batch")]
    assert client.files.delete(created.id).deleted is True
    with pytest.raises(openai.NotFoundError):
        client.files.retrieve(created.id)


def test_upload_limits_and_purpose(client: openai.OpenAI) -> None:
    with pytest.raises(openai.APIStatusError) as too_large:
        client.files.create(file=("big.txt", io.BytesIO(b"x" * 200_001)), purpose="assistants")
    assert too_large.value.status_code == 413
    with pytest.raises(openai.BadRequestError) as purpose:
        client.files.create(file=("a.txt", io.BytesIO(b"x")), purpose="nonsense")  # type: ignore
    assert purpose.value.body["param"] == "purpose"


def test_file_expiry(client: openai.OpenAI) -> None:
    created = client.files.create(file=("a.txt", io.BytesIO(b"x")), purpose="assistants",
                                  expires_after={"anchor": "created_at", "seconds": 3600})
    assert created.expires_at == created.created_at + 3600


def test_store_crud(client: openai.OpenAI) -> None:
    store = client.vector_stores.create(name="kb", metadata={"team": "a"},
                                        expires_after={"anchor": "last_active_at", "days": 7})
    assert (store.status, store.file_counts.total, store.usage_bytes) == ("completed", 0, 0)
    assert store.expires_at == store.last_active_at + 7 * 86400
    renamed = client.vector_stores.update(store.id, name="kb2", metadata={"team": "b"},
                                          expires_after=None)
    assert (renamed.name, renamed.metadata, renamed.expires_at) == ("kb2", {"team": "b"}, None)
    assert store.id in [s.id for s in client.vector_stores.list(limit=100)]
    assert client.vector_stores.delete(store.id).deleted is True
    with pytest.raises(openai.NotFoundError):
        client.vector_stores.retrieve(store.id)


def test_indexing_goes_from_in_progress_to_completed(client: openai.OpenAI) -> None:
    file_id = upload(client, "guide.md", b"# Guide\n" * 100)
    store = client.vector_stores.create(name="kb")
    attached = client.vector_stores.files.create(vector_store_id=store.id, file_id=file_id,
                                                 attributes={"sha256": "abc", "size": 800})
    assert (attached.status, attached.usage_bytes) == ("in_progress", 0)
    assert client.vector_stores.retrieve(store.id).status == "in_progress"
    done = client.vector_stores.files.poll(file_id, vector_store_id=store.id,
                                           poll_interval_ms=50)
    assert (done.status, done.usage_bytes, done.attributes) == (
        "completed", 800, {"sha256": "abc", "size": 800})
    assert done.chunking_strategy.type == "static"  # type: ignore[union-attr]
    refreshed = client.vector_stores.retrieve(store.id)
    assert (refreshed.status, refreshed.usage_bytes) == ("completed", 800)


@pytest.mark.parametrize(("name", "content", "code"), [
    ("table.csv", b"a,b\n1,2\n", "unsupported_file"),
    ("empty.txt", b"", "invalid_file"),
    ("latin1.txt", "café".encode("latin-1") + b" more text", "invalid_file"),
    ("fake.pdf", b"not a pdf", "invalid_file"),
])
def test_files_it_cannot_index_fail(client: openai.OpenAI, name: str, content: bytes,
                                    code: str) -> None:
    store = client.vector_stores.create(name="kb")
    file_id = upload(client, name, content)
    client.vector_stores.files.create(vector_store_id=store.id, file_id=file_id)
    done = client.vector_stores.files.poll(file_id, vector_store_id=store.id,
                                           poll_interval_ms=50)
    assert done.status == "failed" and done.last_error is not None
    assert done.last_error.code == code
    failed = client.vector_stores.files.list(vector_store_id=store.id, filter="failed")
    assert [f.id for f in failed] == [file_id]
    assert client.vector_stores.retrieve(store.id).file_counts.failed == 1


def test_attributes_update_and_detach(client: openai.OpenAI) -> None:
    store = client.vector_stores.create(name="kb")
    file_id = upload(client, "a.txt", b"alpha")
    client.vector_stores.files.create(vector_store_id=store.id, file_id=file_id,
                                      attributes={"v": 1})
    updated = client.vector_stores.files.update(file_id, vector_store_id=store.id,
                                                attributes={"v": 2, "tag": "x"})
    assert updated.attributes == {"v": 2, "tag": "x"}
    assert client.vector_stores.files.retrieve(file_id, vector_store_id=store.id).id == file_id
    detached = client.vector_stores.files.delete(file_id, vector_store_id=store.id)
    assert detached.deleted is True
    assert list(client.vector_stores.files.list(vector_store_id=store.id)) == []
    assert client.files.retrieve(file_id).id == file_id, "detaching keeps the file"


def test_deleting_a_file_removes_it_from_every_store(client: openai.OpenAI) -> None:
    file_id = upload(client, "a.txt", b"alpha")
    stores = [client.vector_stores.create(name=f"kb{i}", file_ids=[file_id]).id for i in range(2)]
    client.files.delete(file_id)
    for store_id in stores:
        assert client.vector_stores.retrieve(store_id).file_counts.total == 0


def test_file_batches(client: openai.OpenAI) -> None:
    store = client.vector_stores.create(name="kb")
    ids = [upload(client, f"doc{i}.md", b"# doc") for i in range(3)]
    batch = client.vector_stores.file_batches.create(
        vector_store_id=store.id, files=[{"file_id": i, "attributes": {"n": n}}
                                         for n, i in enumerate(ids)])
    assert (batch.status, batch.file_counts.in_progress, batch.file_counts.total) == (
        "in_progress", 3, 3)
    done = client.vector_stores.file_batches.poll(batch.id, vector_store_id=store.id,
                                                  poll_interval_ms=50)
    assert (done.status, done.file_counts.completed) == ("completed", 3)
    listed = client.vector_stores.file_batches.list_files(batch.id, vector_store_id=store.id)
    assert sorted(f.id for f in listed) == sorted(ids)
    assert {f.attributes["n"] for f in listed} == {0, 1, 2}  # type: ignore[index]
    again = client.vector_stores.file_batches.create(vector_store_id=store.id,
                                                     file_ids=[upload(client, "x.md", b"x")])
    cancelled = client.vector_stores.file_batches.cancel(again.id, vector_store_id=store.id)
    assert (cancelled.status, cancelled.file_counts.cancelled) == ("cancelled", 1)
    assert client.vector_stores.file_batches.retrieve(again.id,
                                                      vector_store_id=store.id).status == (
        "cancelled")


def test_batch_with_a_missing_file_attaches_nothing(client: openai.OpenAI) -> None:
    store = client.vector_stores.create(name="kb")
    good = upload(client, "a.md", b"a")
    with pytest.raises(openai.BadRequestError) as error:
        client.vector_stores.file_batches.create(vector_store_id=store.id,
                                                 file_ids=[good, "file-missing"])
    assert error.value.body["param"] == "file_ids[1]"
    assert client.vector_stores.retrieve(store.id).file_counts.total == 0


def test_store_deletion_removes_its_files_but_not_the_uploads(client: openai.OpenAI) -> None:
    file_id = upload(client, "a.md", b"a")
    store = client.vector_stores.create(name="kb", file_ids=[file_id])
    time.sleep(0.35)
    client.vector_stores.delete(store.id)
    with pytest.raises(openai.NotFoundError):
        client.vector_stores.files.retrieve(file_id, vector_store_id=store.id)
    assert client.files.retrieve(file_id).bytes == 1


def test_chunking_strategy_rules(client: openai.OpenAI) -> None:
    store = client.vector_stores.create(name="kb")
    file_id = upload(client, "a.md", b"a")
    static = {"type": "static", "static": {"max_chunk_size_tokens": 400,
                                           "chunk_overlap_tokens": 100}}
    attached = client.vector_stores.files.create(vector_store_id=store.id, file_id=file_id,
                                                 chunking_strategy=static)  # type: ignore
    assert attached.chunking_strategy.static.max_chunk_size_tokens == 400  # type: ignore
    with pytest.raises(openai.BadRequestError):
        client.vector_stores.files.create(
            vector_store_id=store.id, file_id=upload(client, "b.md", b"b"),
            chunking_strategy={"type": "static", "static": {  # type: ignore[typeddict-item]
                "max_chunk_size_tokens": 400, "chunk_overlap_tokens": 300}})
