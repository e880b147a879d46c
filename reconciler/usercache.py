"""The user's cache folder: cached API answers, parser tables and replayable output.

Never the repository (a pull request could commit a cache, or a symbolic link in its place)
and never a shared temporary folder. What is loaded from here without a check of its own
(a pickle, a recorded output) is used only from a folder that no one else can write.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


def user_cache() -> Path:
    """`$XDG_CACHE_HOME/assistants-reconciler`, or `~/.cache/assistants-reconciler`."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "assistants-reconciler"


def private_cache(*parts: str) -> Path | None:
    """A folder below the user's cache, made 0700; None when it or the cache is not the
    user's alone (another owner, writable by others) or cannot be made."""
    folder = user_cache()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _ours_alone(folder):
            return None
        for part in parts:
            folder = folder / part
            folder.mkdir(mode=0o700, exist_ok=True)
            if not _ours_alone(folder):
                return None
    except OSError:
        return None
    return folder


def _ours_alone(folder: Path) -> bool:
    """A real folder (no symbolic link) of this user that no one else can write."""
    status = os.lstat(folder)
    owner = os.getuid() if hasattr(os, "getuid") else status.st_uid
    return (stat.S_ISDIR(status.st_mode) and status.st_uid == owner
            and not status.st_mode & 0o022)
