"""`reconciler validate`'s output, replayed while nothing it read has changed.

`validate` runs again and again on the same files: a pre-commit hook, an editor on save, each
step of a CI job. Most of its time is importing and building pydantic's models, jsonschema and
the CEL interpreter, not reading the files. So, as ruff and mypy do, a run records what it
read and what it printed; the next run of the same command line asks every one of those
questions of the file system again (cheap: stat, list a folder, hash a file) and, when every
answer is the same, prints the same output and exits with the same code without importing
any of that (`bench/startup.py` measures both).

What a run depends on, all checked before any reuse:
- the key (one cache file per key): the command line, the working folder, the interpreter
  with its flags, warning filters, -X options and `sys.path`, the user and groups, whether
  stdout and stderr are terminals (or closed), the date (shutdown warnings count days) and
  every environment variable but a shell's own (`VOLATILE`);
- the code: every imported module's file (size and time), every package's folders and
  every folder of `sys.path` (a module added there could shadow one, or an optional
  accelerator appear);
- the trace: every `stat`/`lstat` made (type, permissions, owner, size; errors too), every
  folder listed (names and entry types), every symbolic link read, every file opened (its
  sha256, taken from the open descriptor as the command opened it; a failed open by its
  error). They are seen by wrapping `os.stat`, `os.lstat`, `os.scandir`, `os.listdir`,
  `os.readlink`, `os.open` and `open` while the command runs: the functions `pathlib`,
  `os.walk` and `os.path` call. A probe checks that first; where it fails (Python 3.13's
  `Path.glob` holds `os.scandir` from before), nothing is stored.

A run is stored only when the command itself ran (`replayable`) and ended with 0 or 1,
wrote no file, showed no Python warning, asked nothing it could not record (a `dir_fd`, a
bytes path), stayed within `MAX_READ_BYTES` and `MAX_ANSWERS`, and every answer was still
the same when it ended (a file edited during the run). Everything printed goes through
`console.echo`, which hands it to the recording. Turned off by `--no-cache` or
RECONCILER_NO_CACHE=1. Kept in the user's private cache folder (see `usercache`: no other
user can write it or a folder above it, and it lies in no project), each file opened without
following a link and used only when it is the user's own and private; at most `KEPT` runs,
the least recently used dropped first.
"""

from __future__ import annotations

import builtins
import io
import os
import stat
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

FORMAT = 1
"""The cache files' format; part of the key."""
COMMANDS = frozenset({"validate"})
DISABLE_VARIABLE = "RECONCILER_NO_CACHE"
NO_CACHE_FLAG = "--no-cache"
KEPT = 256
MAX_READ_BYTES = 32 * 1024 * 1024
"""A run that read more is not stored: checking it again would cost about as much."""
MAX_ANSWERS = 50_000
"""Questions and folder entries; a run that asked more is not stored (a glob over a huge
folder would make a huge cache file)."""
VOLATILE = frozenset({"_", "OLDPWD", "PWD", "SHLVL"})
"""Variables a shell changes from one command to the next; the reconciler reads none."""

Answer = list[Any]
Query = tuple[str, str]
"""(what was asked: stat, lstat, list, names, link or read; of which path)."""

RECORDING: Recording | None = None
"""The run being recorded, if any (what `console.echo` and `replayable` report to)."""


def prepare(command: str | None, arguments: Sequence[str]) -> Run | None:
    """A cacheable run of `command` with these arguments (everything after the program's
    name), or None when this command is not cached or caching is off."""
    if command not in COMMANDS or os.environ.get(DISABLE_VARIABLE, "") not in ("", "0"):
        return None
    given = list(arguments)
    options = given[:given.index("--")] if "--" in given else given
    if NO_CACHE_FLAG in options:
        return None
    from reconciler.usercache import private_cache

    folder = private_cache("runs")
    return None if folder is None else Run(folder, given)


def replayable() -> None:
    """Say that the command ran (its output is the command's own, not a usage error's or
    help's): only such a run is stored."""
    if RECORDING is not None:
        RECORDING.ran = True


class Run:
    """One command line's cache file: replayed when it still holds, else recorded."""

    def __init__(self, folder: Path, arguments: list[str]) -> None:
        self.folder = folder
        self.date = _today()
        self.key = _digest_of(_key(arguments, self.date))
        self.path = folder / f"{self.key}.json"

    def replay(self, echo: Callable[[str, bool, bool], None]) -> int | None:
        """Print the stored output and return its exit code, when every recorded answer
        still holds; None otherwise (nothing printed)."""
        import json

        from reconciler.usercache import private_file

        try:
            descriptor = os.open(self.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            with os.fdopen(descriptor, encoding="utf-8") as stream:
                if not private_file(os.fstat(descriptor)):
                    return None
                entry = json.load(stream)
        except (OSError, ValueError):
            return None
        if (not isinstance(entry, dict) or entry.get("key") != self.key
                or not entry.get("code") or not _holds(entry)):
            return None
        try:
            output = [(str(text), bool(err), bool(nl)) for err, nl, text in entry["output"]]
            code = int(entry["exit"])
        except (KeyError, TypeError, ValueError):
            return None
        with suppress(OSError):
            os.utime(self.path)  # recently used: pruned last
        for text, err, nl in output:
            echo(text, err, nl)
        return code

    @contextmanager
    def recording(self) -> Iterator[Recording]:
        """Record what the command in this block reads and prints."""
        global RECORDING
        recording = Recording()
        if not _sees_everything(self.folder):
            recording.unrecordable = "the file system calls of this Python cannot be seen"
        RECORDING = recording
        try:
            with recording.watching():
                yield recording
        finally:
            RECORDING = None

    def store(self, recording: Recording, code: object) -> bool:
        """Keep the recorded run, when it may be replayed; whether it was kept."""
        if (not recording.ran or recording.unrecordable or code not in (0, 1)
                or _today() != self.date):
            return False
        trace = recording.trace()
        if trace is None:
            return False
        entry = {"format": FORMAT, "key": self.key, "code": _code(), "trace": trace,
                 "output": recording.output, "exit": code}
        import json
        import tempfile

        try:
            descriptor, temporary = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=self.folder)
        except OSError:
            return False
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as out:
                json.dump(entry, out, separators=(",", ":"))
            os.replace(temporary, self.path)
        except OSError:
            with suppress(OSError):
                os.unlink(temporary)
            return False
        _prune(self.folder)
        return True


class Recording:
    """What a command asked of the file system, and what it printed."""

    def __init__(self) -> None:
        self.ran = False
        self.unrecordable: str | None = None
        self.output: list[tuple[bool, bool, str]] = []
        self.answers: dict[Query, Answer] = {}
        self.size = 0
        """Questions and folder entries noted."""
        self.read = 0
        """Bytes hashed."""

    def echo(self, message: Any, err: bool, nl: bool) -> None:
        if message is not None and not isinstance(message, str):
            self.unrecordable = "printed something that is not text"
            return
        self.output.append((err, nl, "" if message is None else message))

    def trace(self) -> list[list[Any]] | None:
        """Every question asked, with the answer first given, when every answer still holds
        (None: something changed while the command ran)."""
        for (what, path), answer in self.answers.items():
            if _answer(what, path) != answer:
                return None
        return [[what, path, answer] for (what, path), answer in self.answers.items()]

    @contextmanager
    def watching(self) -> Iterator[None]:
        """The file system functions wrapped, for as long as the block runs."""
        real = {name: getattr(os, name) for name in ("stat", "lstat", "scandir", "listdir",
                                                     "readlink", "open")}
        real_open = builtins.open
        import shutil  # noqa: F401  (it checks os.supports_dir_fd with the real functions)
        import warnings

        real_warning = warnings.showwarning

        def warned(*args: Any, **kwargs: Any) -> None:
            self.unrecordable = "showed a Python warning"
            real_warning(*args, **kwargs)

        warnings.showwarning = warned
        os.stat = self._stat(real["stat"])
        os.lstat = self._lstat(real["lstat"])
        os.scandir = self._scandir(real["scandir"])
        os.listdir = self._listdir(real["listdir"])
        os.readlink = self._readlink(real["readlink"])
        os.open = self._os_open(real["open"])
        builtins.open = io.open = self._open(real_open)
        try:
            yield
        finally:
            for name, function in real.items():
                setattr(os, name, function)
            builtins.open = io.open = real_open
            warnings.showwarning = real_warning

    # -- the wrappers: each calls the real function and notes the answer it gave --

    def _path(self, path: Any, dir_fd: Any = None) -> str | None:
        """The path asked about, as text; None when it is not to be recorded."""
        if dir_fd is not None or isinstance(path, bytes):
            self.unrecordable = "a path given as bytes or relative to a dir_fd"
            return None
        if isinstance(path, int):
            return None  # an open file's descriptor: its path was recorded when opened
        text = os.fspath(path)
        if not isinstance(text, str):
            self.unrecordable = "a path given as bytes"
            return None
        return text

    def _note(self, what: str, path: str | None, answer: Callable[[Any], Answer],
              given: Any) -> None:
        """Note the answer first given to a question (`answer(given)`: what it says)."""
        if path is not None and (what, path) not in self.answers:
            noted = self.answers[(what, path)] = answer(given)
            self.size += 1 + (len(noted) if what in ("list", "names") else 0)
            if self.size > MAX_ANSWERS:
                self.unrecordable = f"asked more than {MAX_ANSWERS:,} questions"

    def _ask(self, what: str, shown: str | None, call: Callable[[], Any],
             describe: Callable[[Any], Answer] | None) -> Any:
        """Ask the real function; note what it answered (`describe`; None: only an error)
        about `shown`."""
        try:
            result = call()
        except OSError as exc:
            self._note(what, shown, _error, exc)
            raise
        if describe is not None:
            self._note(what, shown, describe, result)
        return result

    def _stat(self, real: Callable[..., os.stat_result]) -> Callable[..., os.stat_result]:
        def wrapped(path: Any, *, dir_fd: Any = None, follow_symlinks: bool = True) -> Any:
            return self._ask("stat" if follow_symlinks else "lstat", self._path(path, dir_fd),
                             lambda: real(path, dir_fd=dir_fd, follow_symlinks=follow_symlinks),
                             _status)
        return wrapped

    def _lstat(self, real: Callable[..., os.stat_result]) -> Callable[..., os.stat_result]:
        def wrapped(path: Any, *, dir_fd: Any = None) -> Any:
            return self._ask("lstat", self._path(path, dir_fd),
                             lambda: real(path, dir_fd=dir_fd), _status)
        return wrapped

    def _folder(self, path: Any) -> tuple[Any, str | None]:
        """A folder to list (None: the working folder) and its path to record."""
        path = "." if path is None else path
        if isinstance(path, int):
            self.unrecordable = "a folder listed by its descriptor"
        return path, self._path(path)

    def _scandir(self, real: Callable[..., Any]) -> Callable[..., Any]:
        def listed(path: Any) -> list[os.DirEntry[Any]]:
            with real(path) as found:
                return list(found)

        def wrapped(path: Any = None) -> Any:
            path, shown = self._folder(path)
            return _Entries(self._ask("list", shown, lambda: listed(path), _listing))
        return wrapped

    def _listdir(self, real: Callable[..., list[Any]]) -> Callable[..., list[Any]]:
        def wrapped(path: Any = None) -> list[Any]:
            path, shown = self._folder(path)
            names: list[Any] = self._ask("names", shown, lambda: real(path), sorted)
            return names
        return wrapped

    def _readlink(self, real: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(path: Any, *, dir_fd: Any = None) -> Any:
            return self._ask("link", self._path(path, dir_fd),
                             lambda: real(path, dir_fd=dir_fd),
                             lambda target: [os.fspath(target)])
        return wrapped

    def _os_open(self, real: Callable[..., int]) -> Callable[..., int]:
        def wrapped(path: Any, flags: int, mode: int = 0o777, *, dir_fd: Any = None) -> int:
            shown = self._path(path, dir_fd)
            writes = bool(flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC
                                   | os.O_APPEND))
            descriptor: int = self._ask("read", None if writes else shown,
                                        lambda: real(path, flags, mode, dir_fd=dir_fd),
                                        None)
            self._opened(shown, descriptor, writes=writes)
            return descriptor
        return wrapped

    def _open(self, real: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
            shown = None if isinstance(file, int) else self._path(file)
            writes = bool(set(mode) & set("wax+"))
            stream = self._ask("read", None if writes else shown,
                               lambda: real(file, mode, *args, **kwargs), None)
            if shown is not None:
                self._opened(shown, stream.fileno(), writes=writes)
            return stream
        return wrapped

    def _opened(self, shown: str | None, descriptor: int, *, writes: bool) -> None:
        """Note a file opened: its content as the command opened it, read through the
        same descriptor without moving its offset."""
        if shown is None:
            return
        if writes:
            self.unrecordable = "wrote a file"
            return
        if ("read", shown) in self.answers:
            return
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            self.unrecordable = "opened something that is not a regular file"
            return
        import hashlib

        digest, offset = hashlib.sha256(), 0
        while self.read <= MAX_READ_BYTES and (chunk := os.pread(descriptor, 1 << 20, offset)):
            digest.update(chunk)
            offset += len(chunk)
            self.read += len(chunk)
        if self.read > MAX_READ_BYTES:
            self.unrecordable = f"read more than {MAX_READ_BYTES >> 20} MiB"
        self._note("read", shown, lambda hexdigest: [hexdigest], digest.hexdigest())


class _Entries:
    """A folder's entries, listed in full, as `os.scandir` gives them (an iterator that is
    also a context manager)."""

    def __init__(self, entries: list[os.DirEntry[Any]]) -> None:
        self._entries = iter(entries)

    def __iter__(self) -> _Entries:
        return self

    def __next__(self) -> os.DirEntry[Any]:
        return next(self._entries)

    def __enter__(self) -> _Entries:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def close(self) -> None:
        return None


# -- answers: the same code says what was seen while recording and what is seen now --

def _answer(what: str, path: str) -> Answer:
    """The answer the file system gives now."""
    try:
        if what == "stat":
            return _status(os.stat(path))
        if what == "lstat":
            return _status(os.lstat(path))
        if what == "list":
            with os.scandir(path) as found:
                return _listing(list(found))
        if what == "names":
            return sorted(os.listdir(path))
        if what == "link":
            return [os.fspath(os.readlink(path))]
        if what == "read":
            return _content(path)
    except OSError as exc:
        return _error(exc)
    raise ValueError(f"unknown question {what!r}")


def _status(status: os.stat_result) -> Answer:
    """What a stat says that a command can act on: type, permissions, owner and, for a file
    or a link, size (a folder's size and every time are left out)."""
    mode = status.st_mode
    answer: Answer = [stat.S_IFMT(mode), stat.S_IMODE(mode), status.st_uid, status.st_gid]
    if stat.S_ISREG(mode) or stat.S_ISLNK(mode):
        answer.append(status.st_size)
    return answer


def _error(exc: OSError) -> Answer:
    return ["error", exc.errno]


def _listing(entries: Sequence[os.DirEntry[Any]]) -> Answer:
    """Each entry's name and type (a link's with what it leads to)."""
    listed = []
    for entry in entries:
        try:
            if entry.is_symlink():
                kind = "l" + ("d" if entry.is_dir() else "f" if entry.is_file() else "x")
            elif entry.is_dir(follow_symlinks=False):
                kind = "d"
            elif entry.is_file(follow_symlinks=False):
                kind = "f"
            else:
                kind = f"o{stat.S_IFMT(entry.stat(follow_symlinks=False).st_mode)}"
        except OSError as exc:
            kind = f"e{exc.errno}"
        listed.append([os.fspath(entry.name), kind])
    return sorted(listed)


def _content(path: str) -> Answer:
    """A regular file's sha256 (opened without blocking: a FIFO put in its place is a
    different answer, not a hang)."""
    import hashlib

    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(descriptor, "rb") as stream:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            return ["not-regular", stat.S_IFMT(mode)]
        return [hashlib.file_digest(stream, "sha256").hexdigest()]


# -- the key and the code (the modules imported where needed: `--help` needs none) --

def _today() -> str:
    import datetime

    return datetime.date.today().isoformat()


def _key(arguments: Sequence[str], date: str) -> list[Any]:
    environment = sorted((name, value) for name, value in os.environ.items()
                         if name not in VOLATILE)
    return [FORMAT, sys.executable, sys.version, list(sys.flags), sys.warnoptions,
            sorted(map(str, getattr(sys, "_xoptions", {}).items())), os.getcwd(),
            list(arguments), date, _terminal(sys.stdout), _terminal(sys.stderr), _user(),
            [entry for entry in sys.path if isinstance(entry, str)], environment]


def _terminal(stream: Any) -> bool | None:
    """Whether a standard stream is a terminal (None: it is closed)."""
    return None if stream is None else stream.isatty()


def _user() -> list[Any]:
    """Who runs the command: what they may read depends on it."""
    if not hasattr(os, "getuid"):
        return []
    return [os.getuid(), os.getgid(), sorted(os.getgroups())]


def _digest_of(value: Any) -> str:
    import hashlib
    import json

    text = json.dumps(value, separators=(",", ":"))  # lone surrogates are escaped
    return hashlib.sha256(text.encode()).hexdigest()


def _code() -> list[list[Any]]:
    """Every imported module's file and every folder of `sys.path`, with size and time."""
    modules = list(sys.modules.values())
    files = {path for module in modules
             if isinstance(path := getattr(module, "__file__", None), str)}
    packages = {folder for module in modules
                for folder in (getattr(module, "__path__", None) or ())
                if isinstance(folder, str)}
    folders = {os.path.abspath(entry or ".") for entry in (*sys.path, *packages)
               if isinstance(entry, str)}
    found: list[list[Any]] = []
    for path in sorted(files | folders):
        try:
            status = os.stat(path)
        except OSError:
            found.append([path, None, None])
            continue
        found.append([path, status.st_size if stat.S_ISREG(status.st_mode) else None,
                      status.st_mtime_ns])
    return found


def _holds(entry: dict[str, Any]) -> bool:
    """Whether the code is the same and every recorded question has the same answer."""
    try:
        for path, size, mtime in entry["code"]:
            try:
                status = os.stat(path)
            except OSError:
                if size is not None or mtime is not None:
                    return False
                continue
            if (status.st_mtime_ns != mtime
                    or (status.st_size if stat.S_ISREG(status.st_mode) else None) != size):
                return False
        return all(_answer(what, path) == answer for what, path, answer in entry["trace"])
    except (KeyError, TypeError, ValueError):
        return False


def _sees_everything(folder: Path) -> bool:
    """Whether wrapping the `os` functions sees what pathlib, `os.walk` and `os.path` do on
    this Python (they could hold the functions from before the wrapping): each call of the
    probe must be seen asking its question. Its symbolic link lives in `folder`."""
    if not hasattr(os, "pread"):
        return False  # a file's content is hashed from the descriptor the command opened
    here = Path(__file__)
    link = folder / "probe-link"
    try:
        if not link.is_symlink():
            link.symlink_to(here)
    except OSError:
        return False
    probes: list[tuple[str, Callable[[], object]]] = [
        ("stat", here.is_file), ("stat", here.exists), ("stat", lambda: os.path.exists(here)),
        ("stat", lambda: os.path.isfile(here)), ("stat", lambda: os.path.isdir(here)),
        ("lstat", here.is_symlink), ("lstat", lambda: os.path.lexists(here)),
        ("lstat", lambda: os.path.islink(here)), ("link", lambda: os.path.realpath(link)),
        ("link", lambda: link.resolve()), ("list", lambda: next(os.walk(here.parent))),
        ("list", lambda: list(here.parent.glob("__init__.p?"))),
        ("names list", lambda: list(here.parent.iterdir())), ("read", here.read_bytes),
        ("read", lambda: open(here, "rb").close()),
        ("read", lambda: os.close(os.open(here, os.O_RDONLY))),
    ]
    for questions, call in probes:
        probe = Recording()
        with probe.watching():
            call()
        if not set(questions.split()) & {what for what, _ in probe.answers}:
            return False
        if probe.unrecordable:
            return False
    return True


def _prune(folder: Path) -> None:
    """Keep the `KEPT` runs used last."""
    import time

    try:
        entries = [(entry.stat().st_mtime_ns, entry.name, entry.path)
                   for entry in os.scandir(folder)
                   if entry.name.endswith((".json", ".tmp")) and not entry.is_symlink()]
    except OSError:
        return
    hour_ago = time.time_ns() - 3600 * 10**9
    stale = [path for mtime, name, path in entries if name.endswith(".tmp") and mtime < hour_ago]
    runs = sorted(((mtime, path) for mtime, name, path in entries if name.endswith(".json")),
                  reverse=True)
    for path in stale + [path for _, path in runs[KEPT:]]:
        with suppress(OSError):
            os.unlink(path)
