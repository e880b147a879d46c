"""Files the user asks the tool to write (a saved plan, the schemas, imported manifests).

Where they go is checked before any work is done, so a wrong path is one clear error and
nothing is written; a write that fails anyway is a `ReconcilerError`, never a traceback.
"""

from __future__ import annotations

import errno
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
    """Write a text file the user named (`plan --out`), making its folders, never through a
    symbolic link in its place; an OS error becomes a clear error. A file inside the
    project is written with `write_below`, which checks its folders too."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW,
                             0o644)
    except OSError as exc:
        reason = ("it is a symbolic link" if exc.errno == errno.ELOOP
                  else exc.strerror or str(exc))
        raise ReconcilerError(f"cannot write {path}: {reason}; nothing was written there") \
            from exc
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(text)


def write_below(folder: Path, path: Path, text: str, *, overwrite: bool = False) -> None:
    """Write `path`, inside `folder`, through no symbolic link: every folder between them is
    made or must be a real folder, and the file is created (or, with `overwrite`, truncated)
    without following a link in its place. A repository's manifest folders come from pull
    requests: a folder committed as a link to elsewhere must not carry a write out of it.
    An existing file is an error unless `overwrite`."""
    relative = _inside(folder, path)
    current = folder
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for part in relative.parts[:-1]:
            current = current / part
            if current.is_symlink():
                raise ReconcilerError(f"cannot write {path}: {current} is a symbolic link; "
                                      "nothing was written there",
                                      hint="replace the link with a folder")
            current.mkdir(exist_ok=True)
        flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | (
            os.O_TRUNC if overwrite else os.O_EXCL)
        descriptor = os.open(path, flags, 0o644)
    except FileExistsError as exc:
        raise ReconcilerError(f"cannot write {path}: it exists; nothing was written") from exc
    except OSError as exc:
        reason = ("it is a symbolic link" if exc.errno == errno.ELOOP
                  else exc.strerror or str(exc))
        raise ReconcilerError(f"cannot write {path}: {reason}") from exc
    with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as out:
        out.write(text)  # line endings as given (a CRLF file stays CRLF)


def check_below(folder: Path, path: Path) -> None:
    """Refuse, before anything is written, what `write_below` would refuse for `path`: a
    path outside `folder`, a link among its folders, a link in its place."""
    current = folder
    for part in _inside(folder, path).parts:
        current = current / part
        if current.is_symlink():
            raise ReconcilerError(f"cannot write {path}: {current} is a symbolic link; "
                                  "nothing was written", hint="replace the link with a file "
                                                              "or folder")


def _inside(folder: Path, path: Path) -> Path:
    """`path` relative to `folder`, or a clear error when it lies outside."""
    try:
        return path.relative_to(folder)
    except ValueError as exc:
        raise ReconcilerError(f"cannot write {path}: it lies outside {folder}; nothing was "
                              "written") from exc
