"""Files the user asks the tool to write (a saved plan, the schemas, imported manifests).

Where they go is checked before any work is done, so a wrong path is one clear error and
nothing is written; a write that fails anyway is a `ReconcilerError`, never a traceback.
"""

from __future__ import annotations

import os
from pathlib import Path

from reconciler.errors import ReconcilerError


def check_folder(folder: Path, option: str) -> None:
    """Raise unless `folder` is a writable folder, or can be made as one."""
    existing = next(p for p in (folder, *folder.absolute().parents) if p.exists())
    if not existing.is_dir():
        raise ReconcilerError(f"{option} {folder}: {existing} is a file, not a folder; "
                              "nothing was written", hint=f"choose another {option}")
    if not os.access(existing, os.W_OK):
        raise ReconcilerError(f"{option} {folder}: {existing} is not writable; nothing was "
                              "written", hint=f"choose another {option}")


def check_file(path: Path, option: str) -> None:
    """Raise unless a file can be written at `path` (its folder must exist)."""
    if path.is_dir():
        raise ReconcilerError(f"{option} {path} is a folder, not a file",
                              hint=f"name a file, e.g. {option} {path / 'plan.json'}")
    folder = path.absolute().parent
    if not folder.is_dir():
        raise ReconcilerError(f"{option} {path}: the folder {path.parent} does not exist",
                              hint=f"create it first: mkdir -p {path.parent}")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ReconcilerError(f"{option} {path} is not writable")


def write_text(path: Path, text: str) -> None:
    """Write a text file, making its folders; an OS error becomes a clear error."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ReconcilerError(f"cannot write {path}: {exc.strerror or exc}") from exc
