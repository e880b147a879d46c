"""The CEL parser, its LALR tables cached as plain data in the user's private cache.

Building the tables takes about 80 ms, more than the rest of `validate`'s own work. Lark's
own cache is a pickle, and loading a pickle runs whatever code it names: a file put where
the tool looks (a pull request's files, if XDG_CACHE_HOME pointed into a checkout) would run
as the user. So the tables are kept as data only: Lark's serialisation (`memo_serialize`),
whose only parts JSON lacks are integer keys and tuples (tagged here), given back to Lark's
loader with the options that hold code (the lexer's callbacks, the tree class) supplied by
this process, never read from the file. The file's name and content carry the digest of the
Lark version, grammar and options it was built from; a file that does not match, does not
decode or is not the user's alone is ignored and written again.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reconciler import runcache

if TYPE_CHECKING:
    import lark

FORMAT = 1
INT_KEYS = "\x00int-keys"
TUPLE = "\x00tuple"


def parser(grammar: str, options: dict[str, Any], folder: Path | None) -> lark.Lark:
    """A Lark parser of `grammar` with `options`: loaded from `folder` when it holds the
    tables of exactly these, else built (and kept there, when a folder is given)."""
    import lark

    digest = _digest(grammar, options)
    path = folder / f"cel-tables-{digest[:16]}.json" if folder is not None else None
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp") if path else None
    with runcache.derived(path, temporary):
        if path is not None:
            loaded = _load(path, digest, options)
            if loaded is not None:
                return loaded
        built = lark.Lark(grammar, **options)
        if path is not None and temporary is not None:
            _save(path, temporary, digest, built)
    return built


def _digest(grammar: str, options: dict[str, Any]) -> str:
    import lark

    def named(value: Any) -> str:  # a callback or class, by where it is defined
        return f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', value)}"

    text = json.dumps([FORMAT, lark.__version__, grammar, options], sort_keys=True,
                      default=named)
    return hashlib.sha256(text.encode()).hexdigest()


def _load(path: Path, digest: str, options: dict[str, Any]) -> lark.Lark | None:
    import lark
    from lark.lark import _LOAD_ALLOWED_OPTIONS

    from reconciler.usercache import private_file

    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        with os.fdopen(descriptor, "rb") as stream:
            if not private_file(os.fstat(descriptor)):
                return None
            saved = json.loads(stream.read(), object_hook=_decoded)
        if saved.get("format") != FORMAT or saved.get("digest") != digest:
            return None
        loaded = lark.Lark.__new__(lark.Lark)
        return loaded._load(saved["tables"], **{name: value for name, value in options.items()
                                                if name in _LOAD_ALLOWED_OPTIONS})
    except Exception:  # noqa: BLE001  (torn, or another version's: built again)
        return None


def _save(path: Path, temporary: Path, digest: str, built: lark.Lark) -> None:
    from lark.grammar import Rule
    from lark.lark import _LOAD_ALLOWED_OPTIONS
    from lark.lexer import TerminalDef

    data, memo = built.memo_serialize([TerminalDef, Rule])
    data["options"] = {name: value for name, value in data["options"].items()
                       if name not in _LOAD_ALLOWED_OPTIONS}
    text = json.dumps({"format": FORMAT, "digest": digest,
                       "tables": _encoded({"data": data, "memo": memo})},
                      separators=(",", ":"))
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        descriptor = os.open(temporary, flags, 0o600)
    except OSError:
        return  # another process is writing them
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)


def _encoded(value: Any) -> Any:
    """Lark's serialised tables as JSON: integer keys and tuples tagged."""
    if isinstance(value, dict):
        if all(isinstance(key, str) for key in value):
            return {key: _encoded(item) for key, item in value.items()}
        if not all(isinstance(key, int) for key in value):
            raise TypeError("keys other than text and integers")
        return {INT_KEYS: [[key, _encoded(item)] for key, item in value.items()]}
    if isinstance(value, tuple):
        return {TUPLE: [_encoded(item) for item in value]}
    if isinstance(value, list):
        return [_encoded(item) for item in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"{type(value).__name__} in the tables")


def _decoded(value: dict[str, Any]) -> Any:
    if len(value) == 1 and INT_KEYS in value:
        return {int(key): item for key, item in value[INT_KEYS]}
    if len(value) == 1 and TUPLE in value:
        return tuple(value[TUPLE])
    return value
