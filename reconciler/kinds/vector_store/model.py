"""The `VectorStore` kind: a vector store and the repository files it indexes.

Files are declared as paths and globs relative to the manifest; the reconciler uploads each
file once (its identity is its sha256), attaches it, and keeps the store's file set equal to
what the globs match.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from reconciler.model.common import V1, Lifecycle, Metadata, ObjectMeta, Strict


class AutoChunking(Strict):
    """Let the API choose (800-token chunks overlapping by 400)."""

    type: Literal["auto"]


class StaticChunkingOptions(Strict):
    """Fixed-size chunks."""

    max_chunk_size_tokens: int = Field(ge=100, le=4096)
    chunk_overlap_tokens: int = Field(
        ge=0, description="At most half of max_chunk_size_tokens.")


class StaticChunking(Strict):
    """Chunks of a fixed size and overlap."""

    type: Literal["static"]
    static: StaticChunkingOptions


ChunkingStrategy = Annotated[AutoChunking | StaticChunking, Field(discriminator="type")]


class ExpiresAfter(Strict):
    """Delete the store's contents after it has been idle this long."""

    anchor: Literal["last_active_at"]
    days: int = Field(ge=1, le=365)


FilePattern = Annotated[
    str,
    Field(min_length=1, description="A path or glob relative to this manifest's folder, e.g. "
                                    "`docs/**/*.md` (`**` matches any depth)."),
]


class VectorStoreSettings(Strict):
    """The fields of a vector store sent to the API."""

    # Built only within the VectorStore manifest: never validated alone, its own validator
    # would be built for nothing (its subclasses inherit this).
    model_config = ConfigDict(defer_build=True)

    name: str | None = Field(
        None, max_length=256,
        description="The live name. Defaults to the manifest name.")
    expires_after: ExpiresAfter | None = None
    metadata: Metadata | None = None


class VectorStoreSpec(VectorStoreSettings):
    """A vector store, the files it indexes, and how they are chunked."""

    files: list[FilePattern] = Field(
        default_factory=list, description="Files to index: paths and globs relative to this "
        "manifest. A path that does not exist is an error; a glob that matches nothing, a "
        "warning.")
    exclude: list[FilePattern] = Field(
        default_factory=list, description="Globs (relative to this manifest) of files to leave "
        "out, e.g. `docs/drafts/**`.")
    chunking_strategy: ChunkingStrategy | None = Field(
        None, description="How files are split into chunks; `auto` when omitted. Changing it "
        "re-chunks every file (no upload).")
    lifecycle: Lifecycle | None = None


class VectorStoreManifest(Strict):
    """A vector store for file_search, with the repository files it indexes."""

    apiVersion: V1
    kind: Literal["VectorStore"]
    metadata: ObjectMeta
    spec: VectorStoreSpec
