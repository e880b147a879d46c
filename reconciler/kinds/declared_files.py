"""Repository files named by manifests: globs expanded, files checked and hashed.

A file's identity is its sha256; hashing streams the file (never a whole-file read) and runs
in threads (hashlib releases the GIL), so 2,000 files hash in well under a second.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from reconciler.boundary import ProjectRoot, Refusal, is_glob
from reconciler.diagnostics import Code, Diagnostics, format_path
from reconciler.kinds.filelimits import (
    CODE_INTERPRETER_EXTENSIONS,
    MAX_FILE_BYTES,
    MAX_STORE_FILES,
    SEARCHABLE_EXTENSIONS,
)
from reconciler.manifests.loader import SourceDocument
from reconciler.model.desired import DesiredFile

FieldPath = tuple[str | int, ...]
HASH_THREADS = 8
MAX_PATH = 512
"""The API's limit on an attribute value, where a store file's path is recorded."""


def sha256_of(path: str) -> str:
    """The sha256 of a file, read in chunks."""
    with open(path, "rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def base_dir(doc: SourceDocument) -> Path:
    """The folder paths in a manifest are relative to."""
    return Path(doc.file).parent


def store_files(doc: SourceDocument, patterns: Sequence[str], excludes: Sequence[str],
                root: ProjectRoot, diagnostics: Diagnostics) -> list[DesiredFile] | None:
    """Expand a store's globs into its files (sorted by path); None when one is wrong."""
    base = base_dir(doc)
    errors = diagnostics.count_errors()
    chosen: dict[str, tuple[Path, FieldPath]] = {}
    for index, pattern in enumerate(patterns):
        where = ("spec", "files", index)
        for path in _matches(doc, root, base, pattern, where, diagnostics):
            chosen.setdefault(_key(base, path), (path, where))
    excluded: set[str] = set()
    for index, pattern in enumerate(excludes):
        where = ("spec", "exclude", index)
        excluded.update(_key(base, p) for p in _under(doc, root, base, pattern, where,
                                                       diagnostics))
    keys = sorted(k for k in chosen if k not in excluded)
    for key in keys:
        _check_file(doc, key, *chosen[key], SEARCH, diagnostics)
    if len(keys) > MAX_STORE_FILES:
        diagnostics.error(Code.TOO_MANY, f"the patterns match {len(keys)} files; a vector store "
                          f"holds at most {MAX_STORE_FILES}", doc.locate(("spec", "files")),
                          path="spec.files", hint="narrow the globs, or split the store")
    if diagnostics.count_errors() > errors:
        return None
    return _described(doc, [(k, chosen[k][0]) for k in keys], ("spec", "files"), diagnostics)


@dataclass(frozen=True)
class FileUse:
    """What a tool accepts: the file types, and whether an empty file fails."""

    tool: str
    extensions: frozenset[str]
    empty_fails: bool


SEARCH = FileUse("file_search cannot index", SEARCHABLE_EXTENSIONS, empty_fails=True)
CODE = FileUse("code_interpreter does not accept", CODE_INTERPRETER_EXTENSIONS,
               empty_fails=False)


def _check_file(doc: SourceDocument, key: str, path: Path, where: FieldPath, use: FileUse,
                diagnostics: Diagnostics) -> None:
    """What the API would refuse about one file, reported at the entry naming it."""
    suffix = PurePosixPath(key).suffix.lower()
    location, field = doc.locate(where), format_path(where)
    if suffix not in use.extensions:
        diagnostics.error(Code.UNSUPPORTED_FILE_TYPE, f"'{key}': {use.tool} "
                          f"{suffix or 'files without an extension'}", location, path=field,
                          hint="supported: " + ", ".join(sorted(use.extensions))
                          + ("; leave it out with `exclude`" if use is SEARCH else ""))
    elif use.empty_fails and path.stat().st_size == 0:
        diagnostics.warning(Code.EMPTY_FILE, f"'{key}' is empty: file_search will fail to "
                            "index it", location, path=field)
    if len(key) > MAX_PATH:
        diagnostics.error(Code.TOO_LONG, f"'{key[:60]}...' is {len(key)} characters long; a "
                          f"store file records its path in an attribute of at most {MAX_PATH}",
                          location, path=field)


def named_files(doc: SourceDocument, paths: Sequence[str], where: FieldPath, root: ProjectRoot,
                diagnostics: Diagnostics) -> list[DesiredFile] | None:
    """Exact paths (no globs) of code_interpreter files relative to a manifest, checked;
    None when one is wrong."""
    base = base_dir(doc)
    errors = diagnostics.count_errors()
    found: list[tuple[str, Path]] = []
    for index, name in enumerate(paths):
        path_in_doc = (*where, index)
        path = base / name
        refusal = root.refusal(path, name)
        if refusal is not None:
            _refuse(doc, [refusal], path_in_doc, diagnostics)
            continue
        if not path.is_file():
            what = "a folder, not a file" if path.is_dir() else "not found"
            diagnostics.error(Code.MISSING_FILE, f"file '{name}' is {what} (looked for "
                              f"{path})", doc.locate(path_in_doc),
                              path=format_path(path_in_doc),
                              hint="paths are relative to the manifest's folder")
            continue
        _check_file(doc, _key(base, path), path, path_in_doc, CODE, diagnostics)
        found.append((_key(base, path), path))
    if diagnostics.count_errors() > errors:
        return None
    return _described(doc, found, where, diagnostics)


def _matches(doc: SourceDocument, root: ProjectRoot, base: Path, pattern: str,
             where: FieldPath, diagnostics: Diagnostics) -> list[Path]:
    found = root.match(base, pattern)
    _refuse(doc, found.refused, where, diagnostics)
    if found.files or found.refused:
        return found.files
    if is_glob(pattern):  # may match nothing for now (the plan shows what goes)
        diagnostics.warning(Code.MISSING_FILE, f"no file matches '{pattern}' (relative to "
                            f"{base or '.'})", doc.locate(where), path=format_path(where),
                            hint="globs are relative to the manifest's folder; `**` matches "
                                 "any depth")
    else:
        what = "a folder, not a file" if found.folders else "not found"
        diagnostics.error(Code.MISSING_FILE, f"file '{pattern}' is {what} (looked for "
                          f"{base / pattern})", doc.locate(where), path=format_path(where),
                          hint="paths are relative to the manifest's folder; a glob such as "
                               f"'{pattern.rstrip('/')}/**/*.md' names a folder's files"
                          if found.folders else "paths are relative to the manifest's folder")
    return found.files


def _under(doc: SourceDocument, root: ProjectRoot, base: Path, pattern: str, where: FieldPath,
           diagnostics: Diagnostics) -> list[Path]:
    """Files a pattern matches, and every file under the folders it matches
    (`drafts/**` leaves out the whole folder)."""
    found = root.match(base, pattern)
    files = list(found.files)
    for folder in found.folders:
        below = root.match(folder, "**/*")
        files += below.files
        found.refused += below.refused
    _refuse(doc, found.refused, where, diagnostics)
    return files


def _refuse(doc: SourceDocument, refused: Sequence[Refusal], where: FieldPath,
            diagnostics: Diagnostics) -> None:
    """Report paths that may not be read, at the entry that names them."""
    for refusal in refused:
        diagnostics.error(refusal.code, f"'{refusal.path}' {refusal.reason}", doc.locate(where),
                          path=format_path(where), hint=REFUSAL_HINTS.get(refusal.code))


REFUSAL_HINTS = {
    Code.PATH_OUTSIDE_PROJECT: "manifests may name only files inside the project (the folder "
                               "of reconciler.yaml), by a path relative to the manifest's "
                               "folder",
    Code.NOT_A_REGULAR_FILE: "only regular files are uploaded",
}


def _key(base: Path, path: Path) -> str:
    """A file's key: its path relative to the manifest folder, '/'-separated."""
    try:
        return path.relative_to(base).as_posix()
    except ValueError:  # reached through '..'
        return PurePosixPath(*Path(path).parts).as_posix()


def _described(doc: SourceDocument, found: list[tuple[str, Path]], where: FieldPath,
               diagnostics: Diagnostics) -> list[DesiredFile] | None:
    """Size and hash every file; files over the API's limit are errors."""
    sizes = [(key, path, path.stat().st_size) for key, path in found]
    large = [(key, size) for key, _, size in sizes if size > MAX_FILE_BYTES]
    for key, size in large:
        diagnostics.error(Code.FILE_TOO_LARGE, f"'{key}' has {size} bytes; the Files API "
                          f"accepts at most {MAX_FILE_BYTES} (512 MiB)", doc.locate(where),
                          path=format_path(where))
    if large:
        return None
    with ThreadPoolExecutor(max_workers=HASH_THREADS) as pool:
        hashes = list(pool.map(_readable_sha256, [str(path) for _, path in found]))
    unreadable = [(key, error) for (key, _), error in zip(found, hashes, strict=True)
                  if isinstance(error, OSError)]
    for key, error in unreadable:
        diagnostics.error(Code.INVALID_VALUE, f"'{key}' cannot be read: "
                          f"{error.strerror or error}", doc.locate(where),
                          path=format_path(where), hint="make it readable by this user")
    if unreadable:
        return None
    return [DesiredFile(path=key, local=str(path), sha256=str(digest), size=size)
            for (key, path, size), digest in zip(sizes, hashes, strict=True)]


def _readable_sha256(path: str) -> str | OSError:
    """A file's sha256, or why it could not be read (no permission, gone meanwhile)."""
    try:
        return sha256_of(path)
    except OSError as exc:
        return exc
