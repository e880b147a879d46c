"""The user's cache folder: cached API answers, parser tables and replayable output.

Never the repository (a pull request could commit a cache, or a symbolic link in its place)
and never a shared temporary folder. What is loaded from here without a check of its own
(a pickle, a recorded output) is used only from a folder that no one else can write, below
folders that no one else can write either (or that keep others' entries, as `/tmp` does
with its sticky bit): otherwise another user could swap the folder for one of theirs
between the check and the read. Where that does not hold, there is no such cache.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


def user_cache() -> Path:
    """`$XDG_CACHE_HOME/assistants-reconciler`, or `~/.cache/assistants-reconciler` (a
    relative XDG_CACHE_HOME is ignored, as the XDG specification says: it would put the
    cache in the repository a command runs in)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        base = str(Path.home() / ".cache")
    return Path(base) / "assistants-reconciler"


def private_cache(*parts: str) -> Path | None:
    """A folder below the user's cache, made 0700; None when it, the cache or a folder
    above them is not safe from other users (see the module's docstring), or cannot be
    made."""
    folder = user_cache()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _ours_alone(folder) or not _ancestors_safe(folder.parent):
            return None
        for part in parts:
            folder = folder / part
            folder.mkdir(mode=0o700, exist_ok=True)
            if not _ours_alone(folder):
                return None
    except OSError:
        return None
    return folder


def _uid() -> int | None:
    return os.getuid() if hasattr(os, "getuid") else None


def _ours_alone(folder: Path) -> bool:
    """A real folder (no symbolic link) of this user that no one else can write."""
    status = os.lstat(folder)
    owner = _uid()
    return (stat.S_ISDIR(status.st_mode) and (owner is None or status.st_uid == owner)
            and not status.st_mode & 0o022)


def _ancestors_safe(folder: Path) -> bool:
    """Whether every folder from `folder` up to the root, as written and with symbolic links
    followed, belongs to this user or root, and only they can rename what it holds."""
    owner = _uid()
    if owner is None:
        return True
    written, resolved = Path(os.path.abspath(folder)), folder.resolve()
    for path in dict.fromkeys((written, *written.parents, resolved, *resolved.parents)):
        status = os.stat(path)
        if status.st_uid not in (0, owner):
            return False
        if status.st_mode & 0o022 and not status.st_mode & stat.S_ISVTX:
            return False
    return True
