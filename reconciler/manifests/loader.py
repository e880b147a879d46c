"""Find manifest files and read them: discovery, and reading that is bounded.

Only a regular file is opened (a FIFO would block), of at most `MAX_MANIFEST_BYTES`
(`not-a-regular-file`, `manifest-too-large`), and its text must be UTF-8 (`yaml-encoding`);
`yamltext` parses it, with positions and its own bounds.
"""

from __future__ import annotations

import fnmatch
import os
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path

from ruamel.yaml import YAML

from reconciler.boundary import ProjectRoot, file_type, is_glob
from reconciler.diagnostics import Code, Diagnostics, Location
from reconciler.manifests.yamltext import FieldPath, SourceDocument, load_text

__all__ = ["FieldPath", "SourceDocument", "discover", "display_path", "load_file", "load_text",
           "make_yaml"]

YAML_SUFFIXES = (".yaml", ".yml")
MAX_MANIFEST_BYTES = 10 * 1024 * 1024
"""A larger manifest file is refused unread (its size is taken with stat)."""


def display_path(path: Path) -> str:
    """Show a path relative to the working directory when it is below it."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def discover(
    paths: Iterable[str | Path], *, exclude: Sequence[str] = (), diagnostics: Diagnostics,
    root: ProjectRoot | None = None,
) -> list[Path]:
    """Expand files, folders (recursively) and globs into a sorted list of YAML files.

    With a `root`, a match that lies outside it (a glob through a symbolic link, or `..`) is
    neither walked nor named: only counted, in one error.
    """
    found: dict[Path, None] = {}
    for raw in paths:
        path = Path(raw)
        matches = sorted(Path().glob(str(raw))) if is_glob(str(raw)) else [path]
        if not matches or not all(p.exists() for p in matches):
            diagnostics.error(Code.PATH_NOT_FOUND, f"no such file or folder: {raw}",
                              Location(file=str(raw)))
            continue
        inside = [m for m in matches if root is None or root.contains(m)]
        if len(inside) < len(matches):
            diagnostics.error(Code.PATH_OUTSIDE_PROJECT, f"{raw}: {len(matches) - len(inside)} "
                              "of its matches lie outside the project (through a symbolic "
                              "link or '..'); they are not read", Location(file=str(raw)))
        for match in inside:
            for file in _yaml_files(match):
                if not _excluded(file, exclude):
                    found[file.resolve()] = None
    return sorted(found, key=lambda p: display_path(p))


def _yaml_files(path: Path) -> Iterable[Path]:
    if not path.is_dir():  # a file, or a FIFO or device that `load_file` refuses by name
        yield path
        return
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.endswith(YAML_SUFFIXES) and not name.startswith("."):
                yield Path(root) / name


def _excluded(path: Path, patterns: Sequence[str]) -> bool:
    shown = display_path(path)
    return any(fnmatch.fnmatch(shown, p) or fnmatch.fnmatch(path.name, p) for p in patterns)


def load_file(path: Path, diagnostics: Diagnostics, text: str | None = None
              ) -> list[SourceDocument]:
    """Read every document of one file; problems are added to `diagnostics`. Given `text`
    (an edit not yet written, e.g. `models upgrade`'s preview), that is read instead.

    Only a regular file of at most `MAX_MANIFEST_BYTES` is read: stat says so before it is
    opened, and fstat again once it is (opened non-blocking, so a FIFO swapped in meanwhile
    cannot hang the run).
    """
    shown = display_path(path)
    if text is not None:
        return load_text(text, shown, diagnostics)
    data = _read(path, shown, diagnostics)
    text = None if data is None else _decode(data, shown, diagnostics)
    return [] if text is None else load_text(text, shown, diagnostics)


def _read(path: Path, shown: str, diagnostics: Diagnostics) -> bytes | None:
    try:
        if not _readable(os.stat(path), shown, diagnostics):
            return None
        with os.fdopen(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as file:
            if not _readable(os.fstat(file.fileno()), shown, diagnostics):
                return None
            data = file.read(MAX_MANIFEST_BYTES + 1)
    except OSError as exc:
        diagnostics.error(Code.YAML_SYNTAX, f"cannot read file: {exc.strerror or exc}",
                          Location(file=shown))
        return None
    if len(data) > MAX_MANIFEST_BYTES:  # it grew after fstat
        _too_large(len(data), shown, diagnostics)
        return None
    return data


def _readable(status: os.stat_result, shown: str, diagnostics: Diagnostics) -> bool:
    if not stat.S_ISREG(status.st_mode):
        diagnostics.error(Code.NOT_A_REGULAR_FILE,
                          f"{shown} is a {file_type(status.st_mode)}, not a regular file; it "
                          "is not read", Location(file=shown), hint="manifests are regular files")
        return False
    if status.st_size > MAX_MANIFEST_BYTES:
        _too_large(status.st_size, shown, diagnostics)
        return False
    return True


def _too_large(size: int, shown: str, diagnostics: Diagnostics) -> None:
    diagnostics.error(Code.MANIFEST_TOO_LARGE,
                      f"{shown} has {size:,} bytes or more; a manifest file has at most "
                      f"{MAX_MANIFEST_BYTES:,} (10 MiB)", Location(file=shown),
                      hint="split it into several files")


def _decode(data: bytes, shown: str, diagnostics: Diagnostics) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        start = data.rfind(b"\n", 0, exc.start) + 1
        column = len(data[start:exc.start].decode("utf-8", errors="replace")) + 1
        diagnostics.error(
            Code.YAML_ENCODING, f"the file is not valid UTF-8: byte 0x{data[exc.start]:02X} "
            f"({exc.reason})", Location(file=shown, line=data.count(b"\n", 0, exc.start) + 1,
                                        column=column), hint="save the file as UTF-8")
        return None


def make_yaml() -> YAML:
    """Return the round-trip YAML used to write files (comments and order kept)."""
    writer = YAML(typ="rt")
    writer.allow_duplicate_keys = False
    return writer
