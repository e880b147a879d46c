"""The user's cache folder: the API's model list and `validate`'s replayable output.

Never the repository (a pull request could commit a cache, or a symbolic link in its place)
and never a shared temporary folder. What is loaded from here without a check of its own (a
recorded output, a model list) is used only from a private folder (`private_cache`): the user's
own, that no one else can write, below folders that no one else can write either (or that
keep others' entries, as `/tmp` does with its sticky bit), reached through no symbolic link
(it is used by its resolved path, so a link flipped later changes nothing), and in no
project: neither in the working folder, nor in the git work tree holding it, nor below a
folder holding `.git` or `reconciler.yaml` (a checkout's files are the user's own too, and
a CI job may point XDG_CACHE_HOME into its workspace). Where that does not
hold, there is no such cache. Each file in it is still opened without following links and
used only when it is the user's own and private (`private_file`).
"""

from __future__ import annotations

import os
import stat
from contextlib import suppress
from pathlib import Path


def user_cache() -> Path | None:
    """`$XDG_CACHE_HOME/assistants-reconciler`, or `~/.cache/assistants-reconciler`. A
    relative XDG_CACHE_HOME is ignored, as the XDG specification says, and so is a relative
    HOME (the account's home folder is used): either would put the cache in the folder a
    command runs in. None: no absolute home folder is known (no cache)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        home = os.environ.get("HOME", "")
        if not os.path.isabs(home):
            home = _account_home() or ""
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    return Path(base) / "assistants-reconciler"


def _account_home() -> str | None:
    """The home folder of the account running the command, from the system's user database
    (not from HOME)."""
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_dir
    except (ImportError, KeyError, AttributeError):
        return None


def private_cache(*parts: str) -> Path | None:
    """A private folder below the user's cache (see the module's docstring), made 0700 with
    any folder missing above it, by its resolved path; None when it is not private or cannot
    be made."""
    folder = user_cache()
    if folder is None:
        return None
    try:
        existing = next(path for path in (folder, *folder.parents) if os.path.lexists(path))
        below = existing.resolve(strict=True)
        if not _ancestors_safe(below) or _in_a_project(below / folder.relative_to(existing)):
            return None  # checked before anything is made (another user's home, a checkout)
        _make_private(folder)
        folder = folder.resolve(strict=True)
        if not _ours_alone(folder) or not _ancestors_safe(folder.parent):
            return None
        if _in_a_project(folder):
            return None
        for part in parts:
            folder = folder / part
            folder.mkdir(mode=0o700, exist_ok=True)
            if not _ours_alone(folder):
                return None
    except (OSError, RuntimeError):
        return None
    return folder


def _make_private(folder: Path) -> None:
    """Make a folder and the ones missing above it, each 0700 (`mkdir -p` would make the
    parents with the umask's mode, 0775 under a umask of 002, which `_ancestors_safe`
    refuses)."""
    missing = []
    for path in (folder, *folder.parents):
        if os.path.lexists(path):
            break
        missing.append(path)
    for path in reversed(missing):
        with suppress(FileExistsError):
            path.mkdir(mode=0o700)


def private_file(status: os.stat_result) -> bool:
    """Whether a file (its `fstat`, once opened without following links) is a regular file
    of this user that no one else can read or write."""
    return stat.S_ISREG(status.st_mode) and _mine(status) and not status.st_mode & 0o077


def _uid() -> int | None:
    return os.getuid() if hasattr(os, "getuid") else None


def _mine(status: os.stat_result) -> bool:
    owner = _uid()
    return owner is None or status.st_uid == owner


def _ours_alone(folder: Path) -> bool:
    """A real folder (no symbolic link) of this user that no one else can write."""
    status = os.lstat(folder)
    return stat.S_ISDIR(status.st_mode) and _mine(status) and not status.st_mode & 0o022


def _ancestors_safe(folder: Path) -> bool:
    """Whether every folder from `folder` (a resolved path) up to the root is a real folder
    of this user or root, where only they can rename what it holds."""
    owner = _uid()
    if owner is None:
        return True
    for path in (folder, *folder.parents):
        status = os.lstat(path)
        if not stat.S_ISDIR(status.st_mode) or status.st_uid not in (0, owner):
            return False
        if status.st_mode & 0o022 and not status.st_mode & stat.S_ISVTX:
            return False
    return True


def _in_a_project(folder: Path) -> bool:
    """Whether a folder lies where a checkout or a pull request could have put files: in the
    working folder or the git work tree that holds it, or below a folder holding a
    `reconciler.yaml` or `.git` (a project run with --config, or unpacked without git). A
    home folder kept in git (dotfiles) is no project by its `.git` alone."""
    home = _account_home()
    spared = Path(home).resolve() if home and os.path.isabs(home) else None
    here = Path.cwd().resolve()
    tree = next((path for path in (here, *here.parents)
                 if path != spared and os.path.lexists(path / ".git")), here)
    if folder == tree or tree in folder.parents:
        return True
    return any(os.path.lexists(path / "reconciler.yaml")
               or (path != spared and os.path.lexists(path / ".git"))
               for path in (folder, *folder.parents))
