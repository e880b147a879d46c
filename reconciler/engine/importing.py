"""`import`: manifests for the live objects no manifest manages yet, one entry point
(`run`) returning what it wrote (or would write), printing nothing.

The caller chooses among the candidates (`Chooser`: an id, `--all`, or a person picking
from a list) and says what a person sees; the engine reads, converts, checks for clashes,
writes and reports.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from reconciler import schemas
from reconciler.errors import ReconcilerError
from reconciler.importing import candidates as importable
from reconciler.importing.convert import Manifest, convert
from reconciler.importing.write import render, target
from reconciler.manifests.loader import display_path
from reconciler.outputs import write_below
from reconciler.pipeline import Sources, present_manifests, read_live
from reconciler.provider import LiveObject
from reconciler.settings import Settings

if TYPE_CHECKING:
    import openai

Chooser = Callable[[list[LiveObject]], list[LiveObject]]
"""Which of the unmanaged live objects (oldest first) to import."""


@dataclass(frozen=True)
class ImportOptions:
    folder: Path
    """Where the manifests go."""
    names: dict[str, str] | None = None
    """A manifest name for a live id (`--name`)."""
    dry_run: bool = False
    force: bool = False


@dataclass(frozen=True)
class ImportedFile:
    path: Path
    manifest: Manifest
    text: str


class ImportView(Protocol):
    """What a person sees while an import writes."""

    def schemas(self, folder: Path) -> None:
        """The JSON Schemas were written there (editor support; a first import)."""

    def file(self, file: ImportedFile) -> None:
        """One manifest was written (with `dry_run`: would be)."""


@dataclass(frozen=True)
class ImportResult:
    """What an import wrote (with `dry_run`: would write)."""

    files: tuple[ImportedFile, ...] = ()
    imported: int = 0
    """Live objects imported (Tool manifests shared between them not counted)."""
    warnings: tuple[str, ...] = field(default=())


def run(settings: Settings, client: openai.OpenAI, choose: Chooser, options: ImportOptions,
        view: ImportView) -> ImportResult:
    """Read the live objects, let `choose` pick among the unmanaged ones, convert them into
    manifests and write them below `options.folder` (nothing on a clash without `force`)."""
    existing = present_manifests(settings)
    candidates = importable.unmanaged(read_live(Sources.over(client)).objects, existing)
    chosen = choose(candidates)
    if not chosen:
        return ImportResult()
    conversion = convert(chosen, taken=importable.taken(existing), names=options.names,
                         known_tools=importable.known_tools(existing))
    folder, schema_root = options.folder, settings.root / "schemas"
    manifests = conversion.resources + conversion.tools
    paths = {target(folder, m): m for m in manifests}
    clashes = [p for p in paths if p.exists()]
    if clashes and not options.force and not options.dry_run:
        raise ReconcilerError("these files exist; nothing was written:\n  "
                              + "\n  ".join(display_path(p) for p in clashes),
                              hint="choose another --dir, or --force to overwrite")
    if not options.dry_run and not (schema_root / schemas.VERSION_DIR).is_dir():
        schemas.export(schema_root, within=settings.root)
        view.schemas(schema_root)
    files = []
    for path, manifest in paths.items():
        file = ImportedFile(path, manifest, render(manifest, path, schema_root))
        view.file(file)
        if not options.dry_run:
            write_below(folder, file.path, file.text, overwrite=options.force)
        files.append(file)
    return ImportResult(files=tuple(files), imported=len(conversion.resources),
                        warnings=tuple(conversion.warnings))
