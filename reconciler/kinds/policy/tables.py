"""The CEL parser, with its LALR tables shipped in the package.

Building the tables takes about 80 ms, more than the rest of `validate`'s own work, so they
are built once, by `make cel-tables` (`python -m reconciler.kinds.policy.maketables`), and
shipped beside this module (`cel-tables.json`), where only the installation can change them.
They are never read from a cache a user or a checkout could write: whoever writes the
tables decides how every policy expression parses (a rule's alias swapped turns `!x` into
`x`), so a planted file would turn a violation into "valid", and Lark's own cache is a
pickle, which runs code when loaded.

The file holds Lark's serialisation (`memo_serialize`) as JSON (integer keys and tuples
tagged; the parse table's thousands of actions in lists, `STATES`, as they decode fastest),
with the digest of the Lark version, grammar and options it was built from. It is
used only when that digest is the one of the running Lark, celpy grammar and options (else
the tables are built, as without it), and every option that Lark lets a loaded parser take
from its caller (callbacks, the tree class, `regex`, `use_bytes`, `postlex`...) is given by
this process, never taken from the file.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import lark

FORMAT = 2
SHIPPED = Path(__file__).with_name("cel-tables.json")
INT_KEYS = "\x00int-keys"
TUPLE = "\x00tuple"
STATES = "\x00lalr-states"
"""The LALR states, `[[state, [[token, action, argument], ...]], ...]`: Lark's `{state:
{token: (action, argument)}}`, where a reduction's argument is `{"@": rule}` (its memo id)."""


def parser(grammar: str, options: dict[str, Any], shipped: Path = SHIPPED) -> lark.Lark:
    """A Lark parser of `grammar` with `options`: from the shipped tables when they were
    built from exactly these, else built now."""
    import lark

    loaded = _load(shipped, _digest(grammar, options), options)
    return loaded if loaded is not None else lark.Lark(grammar, **options)


def write(grammar: str, options: dict[str, Any], shipped: Path = SHIPPED) -> Path:
    """Build the tables and write them where `parser` looks for them."""
    import lark

    shipped.write_text(json.dumps(
        {"format": FORMAT, "lark": lark.__version__, "digest": _digest(grammar, options),
         "tables": encoded(*serialised(grammar, options))}, separators=(",", ":")) + "\n")
    return shipped


def serialised(grammar: str, options: dict[str, Any]) -> tuple[dict[str, Any], dict[int, Any]]:
    """The tables built, as Lark serialises them (`memo_serialize`), without the options that
    a loaded parser takes from its caller."""
    import lark
    from lark.grammar import Rule
    from lark.lark import _LOAD_ALLOWED_OPTIONS
    from lark.lexer import TerminalDef

    data, memo = lark.Lark(grammar, **options).memo_serialize([TerminalDef, Rule])
    data["options"] = {name: value for name, value in data["options"].items()
                       if name not in _LOAD_ALLOWED_OPTIONS}
    return data, memo


def encoded(data: dict[str, Any], memo: dict[int, Any]) -> dict[str, Any]:
    """Lark's serialisation as the file holds it: JSON, the parse table's states in
    `STATES`."""
    tagged: dict[str, Any] = _encoded({"data": data, "memo": memo})
    tagged["data"]["parser"]["parser"]["states"] = {STATES: [
        [state, [[token, action, _argument(action, argument)]
                 for token, (action, argument) in actions.items()]]
        for state, actions in data["parser"]["parser"]["states"].items()]}
    return tagged


def _argument(action: int, argument: Any) -> int:
    """An action's argument in `STATES`: the state a shift goes to, the rule a reduction
    reduces by (its memo id)."""
    if action == 1 and isinstance(argument, dict) and list(argument) == ["@"]:
        argument = argument["@"]
    if action not in (0, 1) or not isinstance(argument, int):
        raise TypeError(f"an action {action} by {argument!r} in the parse table")
    return argument


def _digest(grammar: str, options: dict[str, Any]) -> str:
    import lark

    def named(value: Any) -> str:  # a callback or class, by where it is defined
        return f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', value)}"

    text = json.dumps([FORMAT, lark.__version__, grammar, options], sort_keys=True,
                      default=named)
    return hashlib.sha256(text.encode()).hexdigest()


def _load(path: Path, digest: str, options: dict[str, Any]) -> lark.Lark | None:
    import lark
    from lark.lark import _LOAD_ALLOWED_OPTIONS, LarkOptions

    try:
        saved = json.loads(path.read_bytes(), object_hook=_decoded)
    except (OSError, ValueError, TypeError, RecursionError):  # TypeError: a shape decoded wrong
        return None
    if not isinstance(saved, dict) or saved.get("format") != FORMAT or (
            saved.get("digest") != digest):
        return None
    given = {name: options.get(name, LarkOptions._defaults[name])
             for name in _LOAD_ALLOWED_OPTIONS if name in LarkOptions._defaults}
    loaded = lark.Lark.__new__(lark.Lark)
    return loaded._load(saved["tables"], **given)


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
    if len(value) == 1 and STATES in value:
        return {state: {token: (action, {"@": argument} if action == 1 else argument)
                        for token, action, argument in actions}
                for state, actions in value[STATES]}
    if len(value) == 1 and INT_KEYS in value:
        return {int(key): item for key, item in value[INT_KEYS]}
    if len(value) == 1 and TUPLE in value:
        return tuple(value[TUPLE])
    return value
