"""The project as it was at a git revision, for `reconciler diff --base REF`: the revision's
files are exported (`git archive`) into a temporary folder and read from there, so the
working tree is never touched and no API is needed (a pull request from a fork, which gets
no secrets, can show what it changes)."""

from __future__ import annotations

import contextlib
import io
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path

from reconciler.errors import ReconcilerError


def _git(folder: Path, *args: str, binary: bool = False) -> bytes:
    try:
        done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True,
                              check=False, timeout=120)
    except FileNotFoundError as exc:
        raise ReconcilerError("git is not installed, and --base needs it") from exc
    if done.returncode != 0:
        raise ReconcilerError(f"git {args[0]} failed: "
                              f"{done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def describe(folder: Path, ref: str) -> str:
    """`REF (abc1234)`: the revision as given and the commit it names."""
    commit = resolve(folder, ref)
    return f"{ref} ({commit[:7]})"


def resolve(folder: Path, ref: str) -> str:
    """The commit `ref` names; an error naming `ref` when it names none."""
    if ref.startswith("-"):
        raise ReconcilerError(f"'{ref}' is not a git revision")
    try:
        return _git(folder, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").decode(
        ).strip()
    except ReconcilerError as exc:
        raise ReconcilerError(f"'{ref}' names no commit in {folder}",
                              hint="fetch it first (e.g. git fetch origin main), or give a "
                                   "branch, tag or commit") from exc


@contextlib.contextmanager
def checkout(folder: Path, ref: str) -> Iterator[Path]:
    """A temporary copy of `folder` as it was at `ref` (the files git tracks), removed
    afterwards. Yields the copy of `folder` itself (which may be below the repository's top)."""
    commit = resolve(folder, ref)
    top = Path(_git(folder, "rev-parse", "--show-toplevel").decode().strip())
    below = Path(folder).resolve().relative_to(top.resolve())
    archive = _git(top, "archive", "--format=tar", commit)
    with tempfile.TemporaryDirectory(prefix="reconciler-base-") as temp:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            try:
                tar.extractall(temp, filter="data")  # no links or paths out of the folder
            except tarfile.FilterError as exc:
                member = exc.tarinfo
                target = f" -> {member.linkname}" if member.linkname else ""
                raise ReconcilerError(
                    f"{ref} holds {member.name}{target}, which points outside the "
                    f"repository: the revision is not read ({_why(exc)}); nothing was "
                    "compared", hint="a link in the repository must stay inside it: "
                                     "remove or fix it in that revision") from None
        yield Path(temp) / below


def _why(error: tarfile.FilterError) -> str:
    if isinstance(error, tarfile.AbsoluteLinkError):
        return "an absolute link"
    if isinstance(error, tarfile.LinkOutsideDestinationError):
        return "a link that leaves the repository"
    if isinstance(error, tarfile.AbsolutePathError | tarfile.OutsideDestinationError):
        return "a path that leaves the repository"
    return str(error)
