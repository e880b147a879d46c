"""The dashboard's import: choose unmanaged assistants and agents, review the manifests,
write them into the repository — with the code of `reconciler import` (which objects can be
imported, the names taken, the Tools reused, `convert`, `target`, `render`, `write_text`).

What is written is exactly what was reviewed: the review carries a digest of every file's
path and text, and writing refuses when the files made again differ (the live account or the
manifests changed in between). Existing files are never overwritten. Nothing is applied.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from reconciler import schemas
from reconciler.errors import ReconcilerError
from reconciler.importing import candidates as importable
from reconciler.importing.convert import convert
from reconciler.importing.write import render, target
from reconciler.manifests.loader import display_path
from reconciler.outputs import check_folder, write_below
from reconciler.provider import LiveObject

from .workspace import Snapshot


@dataclass(frozen=True)
class File:
    """One manifest file to write: where, its text, and what it declares."""

    path: Path
    text: str
    address: str
    live_id: str | None
    exists: bool

    @property
    def shown(self) -> str:
        return display_path(self.path)


@dataclass(frozen=True)
class Review:
    """The files an import of the chosen objects writes, and what to know first."""

    folder: Path
    files: tuple[File, ...]
    warnings: tuple[str, ...] = ()
    chosen: tuple[str, ...] = ()
    """The live ids reviewed (the form sends them again to write)."""

    @property
    def digest(self) -> str:
        """A hash of every file's path and text: what the reviewer saw."""
        hashed = hashlib.sha256()
        for file in self.files:
            hashed.update(f"{file.shown}\0{file.text}\0".encode())
        return hashed.hexdigest()

    @property
    def clashes(self) -> list[File]:
        return [f for f in self.files if f.exists]


@dataclass(frozen=True)
class Written:
    """What an import wrote."""

    files: tuple[str, ...]
    schemas: str | None = None
    """The folder the JSON Schemas were written to (None: they were there)."""
    warnings: tuple[str, ...] = field(default_factory=tuple)
    objects: int = 0


def candidates(snapshot: Snapshot) -> list[LiveObject]:
    """The live objects `reconciler import` offers: unmanaged, importable, not adopted yet."""
    if snapshot.inventory is None:
        return []
    return importable.unmanaged(snapshot.inventory.live.objects, snapshot.inventory.manifests)


def review(snapshot: Snapshot, chosen: Collection[str]) -> Review:
    """The manifests for the chosen live ids, as `reconciler import --dry-run` shows them."""
    if snapshot.inventory is None or snapshot.settings is None:
        raise ReconcilerError("the live account was not read: nothing to import")
    offered = candidates(snapshot)
    picked = [o for o in offered if o.id in chosen]
    missing = sorted(set(chosen) - {o.id for o in picked})
    if missing:
        raise ReconcilerError(f"not an unmanaged object any more: {', '.join(missing)}",
                              hint="refresh, and choose again")
    if not picked:
        raise ReconcilerError("choose at least one object to import")
    existing = snapshot.inventory.manifests
    conversion = convert(picked, taken=importable.taken(existing),
                         known_tools=importable.known_tools(existing))
    folder = Path(snapshot.settings.manifest_paths()[0])
    schema_root = snapshot.settings.root / "schemas"
    files = []
    for manifest in conversion.resources + conversion.tools:
        path = target(folder, manifest)
        files.append(File(path, render(manifest, path, schema_root),
                          f"{manifest.kind}/{manifest.name}", manifest.live_id, path.exists()))
    return Review(folder, tuple(files), tuple(conversion.warnings),
                  tuple(o.id for o in picked))


def write(snapshot: Snapshot, chosen: Sequence[str], digest: str) -> Written:
    """Write the reviewed files; refuse when they are not what was reviewed, or exist."""
    planned = review(snapshot, chosen)
    if planned.digest != digest:
        raise ReconcilerError("the manifests differ from the ones you reviewed (the live "
                              "account or the manifests changed); nothing was written",
                              hint="review them again")
    if planned.clashes:
        raise ReconcilerError("these files exist; nothing was written: "
                              + ", ".join(f.shown for f in planned.clashes),
                              hint="move or remove them, or use `reconciler import --force`")
    check_folder(planned.folder, "the manifest folder")
    assert snapshot.settings is not None
    root = snapshot.settings.root
    schema_root = root / "schemas"
    for folder in (planned.folder, schema_root):
        _inside(root, folder)
    wrote_schemas = None
    if not (schema_root / schemas.VERSION_DIR).is_dir():
        schemas.export(schema_root, within=root)
        wrote_schemas = display_path(schema_root)
    for file in planned.files:
        write_below(planned.folder, file.path, file.text)
    return Written(tuple(f.shown for f in planned.files), wrote_schemas, planned.warnings,
                   sum(1 for f in planned.files if f.live_id))


def _inside(root: Path, folder: Path) -> None:
    """Refuse a folder that leaves the project, or reaches it through a symbolic link below
    the project's root: the dashboard writes only into the repository it shows."""
    base = Path(os.path.abspath(root))
    path = Path(os.path.abspath(folder))
    if not path.is_relative_to(base) or not path.resolve().is_relative_to(base.resolve()):
        raise ReconcilerError(f"{display_path(folder)} is outside the project "
                              f"({display_path(root)}); nothing was written")
    for step in (path, *path.parents):
        if step == base:
            break
        if step.is_symlink():
            raise ReconcilerError(f"{display_path(folder)} lies through the symbolic link "
                                  f"{display_path(step)}; nothing was written",
                                  hint="import with `reconciler import --dir` into a real "
                                       "folder")
