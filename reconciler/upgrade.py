"""`reconciler models upgrade`: move every place a retiring model is set onto its replacement.

Places are found where a model is written: Template manifests first (one edit moves every
resource that inherits it), then Assistant and Agent manifests, then environment overrides
in reconciler.yaml. Each edit replaces the one scalar in the text, so comments, quoting,
order and layout stay exactly as they were (a YAML round trip would re-indent and re-quote
what it does not understand); every edited file is parsed again and must differ from the
original by those values alone. Before anything is written, each environment's resources
are resolved with the edits applied in memory, and settings the replacement does not accept
are flagged (`temperature` on a reasoning model, a `reasoning.effort` it does not offer).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler.boundary import ProjectRoot
from reconciler.diagnostics import Diagnostics, format_path
from reconciler.errors import ManifestError, ReconcilerError
from reconciler.manifests.loader import SourceDocument, discover, display_path, load_file
from reconciler.modelcalendar import builtin
from reconciler.models_sync import catalog_entries, edit_catalog
from reconciler.retirement import Facts, ModelFacts, accepts, unsupported

KINDS_WITH_MODEL = ("Template", "Assistant", "Agent")
ORDER = {"Template": 0, "Assistant": 1, "Agent": 1, "environment": 2}
MAX_CHAIN = 5
"""Replacements followed when a replacement is itself retiring (gpt-4-turbo -> gpt-4.1 ->
gpt-6-luna)."""


@dataclass(frozen=True)
class Place:
    """One scalar that sets a model: in a manifest, or in an environment's override."""

    path: Path
    document: int
    field: tuple[str | int, ...]
    line: int
    column: int
    """1-based line and column of the key."""
    what: str
    """`Template/company`, `Agent/research`, `environment prod, override 1`."""
    order: int
    model: str

    @property
    def shown(self) -> str:
        return f"{display_path(self.path)}:{self.line}"


@dataclass
class Move:
    """One retiring model, what it moves to, and the places it is set."""

    facts: ModelFacts
    to: str | None
    places: list[Place] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """What stops or qualifies the move (no replacement known, not in the catalog...)."""
    add_to_catalog: bool = False
    """Whether its replacement is added to the model catalog."""


def find_places(manifest_files: Iterable[Path], config: SourceDocument | None,
                config_path: Path | None) -> list[Place]:
    """Every place a model is written, templates first, then resources, then overrides."""
    places: list[Place] = []
    diagnostics = Diagnostics()
    for path in manifest_files:
        for doc in load_file(path, diagnostics):
            data = doc.data if isinstance(doc.data, dict) else {}
            spec = data.get("spec")
            if data.get("kind") in KINDS_WITH_MODEL and isinstance(spec, dict) and isinstance(
                    spec.get("model"), str) and ("spec", "model") in doc.positions:
                name = (data.get("metadata") or {}).get("name", "?")
                at = doc.locate(("spec", "model"))
                places.append(Place(path, doc.index, ("spec", "model"), at.line or 0,
                                    at.column or 0, f"{data['kind']}/{name}",
                                    ORDER[data["kind"]], spec["model"]))
    if diagnostics.has_errors:  # a model set in a file that cannot be read would be missed
        raise ManifestError(diagnostics, "a manifest file cannot be read: fix it first")
    if config is not None and config_path is not None:
        places += _override_places(config, config_path)
    return sorted(places, key=lambda p: (p.order, display_path(p.path), p.line))


def _override_places(config: SourceDocument, path: Path) -> list[Place]:
    found = []
    environments = config.data.get("environments") if isinstance(config.data, dict) else None
    for name, environment in (environments or {}).items():
        for index, override in enumerate((environment or {}).get("overrides") or []):
            spec = override.get("spec") if isinstance(override, dict) else None
            where = ("environments", name, "overrides", index, "spec", "model")
            if isinstance(spec, dict) and isinstance(spec.get("model"), str) \
                    and where in config.positions:
                at = config.locate(where)
                found.append(Place(path, config.index, where, at.line or 0, at.column or 0,
                                   f"environment {name}, override {index + 1}", 2,
                                   spec["model"]))
    return found


def plan_moves(places: Sequence[Place], facts: Facts, *, from_models: Sequence[str] = (),
               to: str | None = None, catalog_ids: set[str] | None = None) -> list[Move]:
    """What each model in use moves to: the named ones (`from_models`), or every one with an
    announced shutdown; to `to`, else the replacement the catalog or calendar names (followed
    while it is itself retiring)."""
    moves: dict[str, Move] = {}
    for place in places:
        model = place.model
        if from_models and model not in from_models:
            continue
        known = facts.of(model)
        if not from_models and known.shutdown_date is None:
            continue
        move = moves.get(model)
        if move is None:
            move = moves[model] = _move(known, facts, to, catalog_ids)
        move.places.append(place)
    return list(moves.values())


def _move(known: ModelFacts, facts: Facts, to: str | None,
          catalog_ids: set[str] | None) -> Move:
    if to is not None:
        move = Move(known, to)
    else:
        target, seen = known.replacement, [known.id]
        while target and target not in seen and len(seen) <= MAX_CHAIN:
            seen.append(target)
            then = facts.of(target)
            if then.shutdown_date is None or not then.replacement:
                break
            target = then.replacement
        move = Move(known, target)
        if target is None:
            move.notes.append(f"no replacement is known for {known.id}: pass --to MODEL")
        elif len(seen) > 2:
            move.notes.append(f"{' -> '.join(seen)}: each replacement is retiring too")
    if move.to is not None and move.to == known.id:
        move.notes.append(f"--to {move.to} is the model itself")
        move.to = None
    if move.to is not None:
        later = facts.of(move.to)
        if later.shutdown_date is not None:
            move.notes.append(f"{move.to} shuts down too, on {later.shutdown_date}")
        if catalog_ids is not None and move.to not in catalog_ids:
            move.add_to_catalog = True
            move.notes.append(f"{move.to} is added to the model catalog, with what this "
                              "release knows of it (prices, reasoning efforts)")
    return move


def add_to_catalog(moves: Sequence[Move], texts: dict[Path, str], catalog_files: Sequence[Path],
                   today: dt.date) -> None:
    """Add to the catalog (one file) the replacements it lacks, in `texts`."""
    wanted: dict[str, list[str]] = {}
    for move in moves:
        if move.add_to_catalog and move.to:
            wanted.setdefault(move.to, []).append(move.facts.id)
    if not wanted:
        return
    if len(catalog_files) != 1:
        for move in moves:
            if move.add_to_catalog:
                move.notes[-1] = (f"{move.to} is not in the model catalog: add it (reconciler "
                                  f"models sync --include {move.to}) or validate will refuse "
                                  "it")
        return
    path = catalog_files[0]
    text = texts.get(path) or read_exactly(path)

    def edit(catalog: Any) -> None:
        entries = catalog_entries(catalog)
        written = {str(e.get("id")): e for e in entries if hasattr(e, "get")}
        for model, replaced in wanted.items():
            inherited = [c for r in replaced for c in (written.get(r) or {}).get(
                "capabilities") or () if c != "reasoning"]
            entries.append(_catalog_entry(model, replaced, today, inherited))
    texts[path] = edit_catalog(text, edit)


def _catalog_entry(model: str, replaced: Sequence[str], today: dt.date,
                   inherited: Sequence[str] = ()) -> Any:
    """A catalog entry for `model`, with what the calendar knows of it; `inherited`: the
    capabilities of the models it replaces (the calendar knows only `reasoning`)."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    def flow(value: Any) -> Any:
        value.fa.set_flow_style()
        return value

    known = builtin().get(model)
    entry = CommentedMap()
    entry["id"] = model
    capabilities = list(dict.fromkeys(inherited))
    if known is not None and known.reasoning:
        capabilities.append("reasoning")
    if capabilities:
        entry["capabilities"] = flow(CommentedSeq(capabilities))
    if known is not None and known.reasoning_efforts:
        entry["reasoning_efforts"] = flow(CommentedSeq(known.reasoning_efforts))
    if known is not None and known.context_window:
        entry["context_window"] = known.context_window
    if known is not None and known.price is not None:
        prices = {"input_per_1m_tokens": known.price.input,
                  "cached_input_per_1m_tokens": known.price.cached_input,
                  "output_per_1m_tokens": known.price.output}
        entry["pricing"] = CommentedMap((k, v) for k, v in prices.items() if v is not None)
    entry.yaml_add_eol_comment(f"added by `reconciler models upgrade` on {today.isoformat()},"
                               f" replacing {', '.join(replaced)}", "id")
    return entry


# --- editing the text ------------------------------------------------------------------

_PLAIN_END = re.compile(r"\s+#|,|}|\]|\s*$")


def edited_texts(moves: Sequence[Move]) -> dict[Path, str]:
    """The new text of every file a move edits (moves without a target edit nothing)."""
    by_file: dict[Path, list[tuple[Place, str]]] = {}
    for move in moves:
        if move.to is None:
            continue
        for place in move.places:
            by_file.setdefault(place.path, []).append((place, move.to))
    texts = {}
    for path, edits in by_file.items():
        original = read_exactly(path)
        lines = original.splitlines(keepends=True)
        for place, to in edits:
            lines[place.line - 1] = _replace_value(lines[place.line - 1], place, to)
        text = "".join(lines)
        _check_edit(path, original, text, edits)
        texts[path] = text
    return texts


def _replace_value(line: str, place: Place, to: str) -> str:
    """`line` with the value of the key `model` replaced, quoted as it was."""
    key = re.compile(r"model\s*:\s*").match(line, max(place.column - 1, 0))
    if key is None:
        raise ReconcilerError(f"{place.shown}: cannot find `model:` on its line to edit",
                              hint="edit it by hand")
    start = key.end()
    rest = line[start:]
    quote = rest[:1]
    if quote in ("'", '"'):
        if rest.find(quote, 1) < 0:  # the value goes on on the next line
            raise ReconcilerError(f"{place.shown}: the model there is written over several "
                                  "lines, which this command does not edit",
                                  hint="edit it by hand")
        end = rest.index(quote, 1) + 1
        value = rest[1:end - 1]
        new = f"{quote}{to}{quote}"
    else:
        end = _PLAIN_END.search(rest).start()  # type: ignore[union-attr]
        value = rest[:end]
        new = to
    if value != place.model:
        raise ReconcilerError(f"{place.shown}: the model there is written in a way this "
                              "command does not edit", hint="edit it by hand")
    return line[:start] + new + _keep_comment_column(rest[end:], len(new) - end)


def _keep_comment_column(after: str, grown: int) -> str:
    """What follows the value (`}` of a flow mapping, say), with the spaces before a
    trailing comment resized so that the comment stays in its column (at least one space is
    kept)."""
    comment = re.match(r"([^#'\"]*?)( +)#", after)
    if comment is None:
        return after
    spaces = max(len(comment[2]) - grown, 1)
    return comment[1] + " " * spaces + after[comment.end() - 1:]


def _check_edit(path: Path, original: str, text: str,
                edits: Sequence[tuple[Place, str]]) -> None:
    """The edited file must parse to the original with exactly the edited values changed."""
    before = {d.index: d for d in load_file_text(original, path)}
    after = {d.index: d.data for d in load_file_text(text, path)}
    for place, to in edits:
        if place.document not in before:
            raise ReconcilerError(f"{place.shown}: cannot find the document to edit",
                                  hint="edit it by hand")
        _set(before[place.document].data, place.field, to)
    if {i: d.data for i, d in before.items()} != after:
        raise ReconcilerError(f"{display_path(path)}: editing the model would change more "
                              "than the model; nothing was written", hint="edit it by hand")


def read_exactly(path: Path) -> str:
    """The file's text as it is on disk: line endings (CRLF too) untouched."""
    return path.read_bytes().decode("utf-8")


def load_file_text(text: str, path: Path) -> list[SourceDocument]:
    from reconciler.manifests.loader import load_text

    return load_text(text, display_path(path), Diagnostics())


def _set(data: Any, where: Sequence[str | int], value: Any) -> None:
    for step in where[:-1]:
        data = data[step]
    data[where[-1]] = value


def unified_diff(path: Path, before: str, after: str) -> str:
    """A unified diff of one file's edit, with paths as shown."""
    shown = display_path(path)
    return "".join(difflib.unified_diff(before.splitlines(keepends=True),
                                        after.splitlines(keepends=True),
                                        f"{shown}", f"{shown}", n=1))


def manifest_files(paths: Sequence[str], exclude: Sequence[str], root: Path) -> list[Path]:
    """The YAML files of the manifest paths that exist, all inside the project at `root`: a
    file reached through a link out of it is refused, as `validate` refuses it (nothing is
    read there, nothing would be written)."""
    boundary = ProjectRoot.at(root)
    diagnostics = Diagnostics()
    present = [p for p in paths if Path(p).exists()]
    files = discover(present, exclude=exclude, diagnostics=diagnostics, root=boundary)
    outside = [f for f in files if not boundary.contains(f)]
    if outside:
        raise ReconcilerError(f"{display_path(outside[0])} lies outside the project "
                              f"({display_path(boundary.path)}): nothing was read or written",
                              hint="manifests are edited only inside the project; replace the "
                                   "link with the file")
    return files


# --- what is shown ---------------------------------------------------------------------


def report(moves: Sequence[Move], facts: Facts, catalog: Any) -> list[str]:
    """Each move: the model, its replacement, when it shuts down, the price change, every
    place it is set, and what qualifies it."""
    lines = ["Models to move, and where they are set:"]
    for move in moves:
        known = move.facts
        left = known.days_left(facts.today)
        when = ""
        if known.shutdown_date is not None and left is not None:
            days = "shut down" if left <= 0 else f"in {left} day{'s' if left != 1 else ''}"
            when = f"  shuts down on {known.shutdown_date} ({days}; {known.said_by} says)"
        lines += ["", f"{known.id} -> {move.to or '?'}{when}"]
        price = _price_change(known.id, move.to, catalog)
        if price:
            lines.append(f"  price per 1M tokens: {price}")
        width = max(len(p.shown) for p in move.places)
        lines += [f"  {p.shown.ljust(width)}  {p.what}" for p in move.places]
        lines += [f"  note: {note}" for note in move.notes]
    return lines


def _price_change(model: str, to: str | None, catalog: Any) -> str | None:
    before, after = _price(model, catalog), _price(to, catalog) if to else None
    if before is None and after is None:
        return None

    def money(value: float | None) -> str:
        return "unknown" if value is None else f"${value:,.2f}"
    parts = []
    for index, name in enumerate(("input", "output")):
        old = before[index] if before else None
        new = after[index] if after else None
        parts.append(f"{name} {money(old)} -> {money(new)}")
    return ", ".join(parts)


def _price(model: str, catalog: Any) -> tuple[float | None, float | None] | None:
    known = catalog.price_of(model)
    return None if known.source is None else (known.input, known.output)


def flags(before: Any, after: Any, catalog: Any) -> list[str]:
    """Settings of the resources whose model the edits change that the new model does not
    accept (`before`/`after`: the manifest sets resolved without and with the edits)."""
    old = {r.address: r for r in before.resources}
    capabilities = {e: m.model.capabilities for e, m in catalog.entries.items()}
    efforts = {e: m.model.reasoning_efforts for e, m in catalog.entries.items()}
    found = []
    for resource in after.resources:
        model = resource.body.get("model")
        was = old.get(resource.address)
        if not isinstance(model, str) or was is None or was.body.get("model") == model:
            continue
        what = accepts(model, capabilities, efforts)
        found += [f"{resource.address} ({display_path(Path(resource.source.file))}): "
                  f"{format_path(path)}: {problem}"
                  for path, problem in unsupported(resource.kind, resource.body, model, what)]
    return found
