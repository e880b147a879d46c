"""The project boundary: every local path a manifest names stays inside the project root.

Manifests come from pull requests, and `apply` uploads the files they name to OpenAI, so a
path must never reach a file the CI runner can read elsewhere (`../../.ssh/id_rsa`,
`/proc/self/environ`, a symbolic link to either). The root is the folder holding
`reconciler.yaml`, or without one the folder given on the command line (see `settings`).

Paths are resolved with symbolic links followed; a path whose target lies outside the root is
refused, never silently skipped. Globs are expanded here rather than by `Path.glob`, so that
they never descend into a folder that leaves the project, and only regular files are returned
(no FIFO, socket or device is ever opened).
"""

from __future__ import annotations

import fnmatch
import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from reconciler.diagnostics import Code

GLOB_CHARACTERS = "*?["


def is_glob(pattern: str) -> bool:
    """Whether a path has glob characters."""
    return any(c in pattern for c in GLOB_CHARACTERS)


@dataclass(frozen=True)
class Refusal:
    """A path that may not be read, as written, and why."""

    path: str
    reason: str
    code: Code = Code.PATH_OUTSIDE_PROJECT
    """Outside the project; or inside but not a regular file, or no valid path at all."""


@dataclass
class Matches:
    """What a pattern matched: regular files inside the project, and what was refused."""

    files: list[Path] = field(default_factory=list)
    folders: list[Path] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)


@dataclass(frozen=True)
class ProjectRoot:
    """The folder no manifest-named path may leave."""

    path: Path

    @classmethod
    def at(cls, folder: Path | str) -> ProjectRoot:
        return cls(Path(folder).resolve())

    def contains(self, path: Path | str) -> bool:
        """Whether `path`, symbolic links followed, lies inside the root (no path that cannot
        be resolved is)."""
        try:
            resolved = Path(os.path.realpath(path))
        except (ValueError, OSError):
            return False
        return resolved == self.path or self.path in resolved.parents

    def refusal(self, path: Path, written: str) -> Refusal | None:
        """Why the file at `path` (named `written` in a manifest) may not be read, if so."""
        if "\0" in written:
            return Refusal(written.replace("\0", "\\0"), "holds a NUL character",
                           Code.INVALID_VALUE)
        if PurePosixPath(written).is_absolute() or Path(written).is_absolute():
            return Refusal(written, "is an absolute path")
        try:
            if not self.contains(path):
                return Refusal(written, self._leaves(path))
            mode = os.stat(path).st_mode
        except FileNotFoundError:
            return None  # missing: the caller says so
        except OSError as exc:  # too long, not a folder on the way, no permission
            return Refusal(written, f"cannot be read: {exc.strerror}", Code.INVALID_VALUE)
        if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
            return Refusal(written, f"is a {file_type(mode)}, not a regular file",
                           Code.NOT_A_REGULAR_FILE)
        return None

    def _leaves(self, path: Path) -> str:
        link = next((p for p in (path, *path.parents) if p.is_symlink()), None)
        if link is not None and self.contains(link.parent):
            return "is a symbolic link to a place outside the project"
        return "leads outside the project"

    def match(self, base: Path, pattern: str) -> Matches:
        """Expand a path or glob relative to `base`: `*`, `?`, `[...]` within a name, `**`
        any number of folders (not through symbolic links, as `Path.glob` does)."""
        found = Matches()
        if not is_glob(pattern):
            path = base / pattern
            refusal = self.refusal(path, pattern)
            if refusal is not None:
                found.refused.append(refusal)
            elif path.is_file() or path.is_dir():
                (found.files if path.is_file() else found.folders).append(path)
            return found
        if PurePosixPath(pattern).is_absolute() or Path(pattern).is_absolute():
            found.refused.append(Refusal(pattern, "is an absolute path"))
            return found
        parts = _collapsed(PurePosixPath(pattern.replace(os.sep, "/")).parts)
        for path in dict.fromkeys(self._walk(base, parts, "", found, set())):
            (found.folders if path.is_dir() else found.files).append(path)
        found.files.sort()
        return found

    def _walk(self, folder: Path, parts: tuple[str, ...], shown: str, found: Matches,
              visited: set[tuple[str, int]]) -> Iterator[Path]:
        """Match `parts` under `folder`; each (folder, rest of the pattern) is walked once,
        so that `**/**/...` costs no more than one `**`."""
        if (str(folder), len(parts)) in visited:
            return
        visited.add((str(folder), len(parts)))
        if not parts:
            yield folder
            return
        head, rest = parts[0], parts[1:]
        if head == "**":
            yield from self._walk(folder, rest, shown, found, visited)
            for sub in _entries(folder):
                if sub.is_dir(follow_symlinks=False):
                    yield from self._walk(Path(sub.path), parts, f"{shown}{sub.name}/", found,
                                          visited)
            return
        if is_glob(head):
            children: list[tuple[Path, str, os.DirEntry[str] | None]] = [
                (Path(e.path), e.name, e) for e in _entries(folder)
                if fnmatch.fnmatchcase(e.name, head)]
        else:
            path = folder / head
            children = [(path, head, None)] if os.path.lexists(path) else []
        for child, name, entry in children:
            if self._allowed(child, f"{shown}{name}", found, last=not rest, entry=entry):
                yield from self._walk(child, rest, f"{shown}{name}/", found, visited)

    def _allowed(self, path: Path, shown: str, found: Matches, *, last: bool,
                 entry: os.DirEntry[str] | None = None) -> bool:
        """Whether the walk may return `path` (the last part) or go into it.

        An entry of a folder inside the project that is no symbolic link is inside too: only
        links and named parts (`..` among them) need their target resolved.
        """
        if entry is not None and not entry.is_symlink():
            if entry.is_dir(follow_symlinks=False) or (
                    last and entry.is_file(follow_symlinks=False)):
                return True
            if last:
                mode = entry.stat(follow_symlinks=False).st_mode
                found.refused.append(Refusal(shown, f"is a {file_type(mode)}, not a regular "
                                             "file", Code.NOT_A_REGULAR_FILE))
            return False
        refusal = self.refusal(path, shown)
        if refusal is not None:
            found.refused.append(refusal)
            return False
        return path.is_file() or path.is_dir() if last else path.is_dir()


def _collapsed(parts: tuple[str, ...]) -> tuple[str, ...]:
    """The parts of a pattern with runs of `**` made one (they match the same)."""
    return tuple(p for i, p in enumerate(parts) if not (p == "**" and i and parts[i - 1] == "**"))


def _entries(folder: Path) -> list[os.DirEntry[str]]:
    """The entries of a folder, by name."""
    try:
        with os.scandir(folder) as found:
            return sorted(found, key=lambda e: e.name)
    except OSError:
        return []


def file_type(mode: int) -> str:
    """What a file that is not a regular file is, for a message."""
    if stat.S_ISDIR(mode):
        return "folder"
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "special file"


def common_folder(paths: Sequence[str | Path]) -> Path:
    """The folder that the given manifest paths share (a file counts as its folder); the
    working directory when none is given. The project root when there is no reconciler.yaml."""
    folders = [Path(p) if Path(p).is_dir() else Path(p).parent for p in paths]
    if not folders:
        return Path.cwd()
    return Path(os.path.commonpath([os.path.abspath(f) for f in folders]))


def literal_prefix(pattern: str) -> str:
    """The folders of a glob before its first wildcard (`docs/**/*.md` -> `docs`)."""
    parts = PurePosixPath(pattern).parts
    first = next((i for i, part in enumerate(parts) if is_glob(part)), len(parts))
    literal = parts[:first]
    return str(PurePosixPath(*literal)) if literal else "."
