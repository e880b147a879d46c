"""Keep the ModelCatalog manifest current with the API's model list, editing the file in
place: comments, key order, indentation and hand-filled facts stay as they are.

The catalog is an allow-list, so a sync never widens it by itself: a model the API lists
that the catalog lacks is added only when an `--include` glob names it (a reviewed change);
otherwise it is only reported. Marking models unavailable, noting (and correcting) shutdown
dates and noting replacements narrow or annotate, so they are always done: the API's date
beats one written by hand, and the replacement comes from this release's model calendar where
the catalog names none."""

from __future__ import annotations

import datetime as dt
import fnmatch
import hashlib
import io
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.util import load_yaml_guess_indent

from reconciler import API_VERSION
from reconciler.errors import ReconcilerError
from reconciler.manifests.loader import make_yaml
from reconciler.modelcalendar import builtin


@dataclass
class SyncReport:
    """What a sync changed (or would change)."""

    added: list[str] = field(default_factory=list)
    unavailable: list[str] = field(default_factory=list)
    available_again: list[str] = field(default_factory=list)
    shutdown_noted: list[str] = field(default_factory=list)
    shutdown_corrected: list[str] = field(default_factory=list)
    """Where the catalog's date differed from the API's: the API's word wins."""
    replacement_noted: list[str] = field(default_factory=list)
    not_added: list[str] = field(default_factory=list)
    """Listed by the API, absent from the catalog, and named by no `--include` glob."""

    @property
    def changed(self) -> bool:
        return bool(self.added or self.unavailable or self.available_again
                    or self.shutdown_noted or self.shutdown_corrected
                    or self.replacement_noted)

    def lines(self) -> list[str]:
        out = [f"+ {m} (new)" for m in self.added]
        out += [f"~ {m}: no longer listed by the API (available: false)"
                for m in self.unavailable]
        out += [f"~ {m}: listed again (available)" for m in self.available_again]
        out += [f"~ {m}" for m in (*self.shutdown_noted, *self.shutdown_corrected,
                                   *self.replacement_noted)]
        return out

    def not_added_note(self, limit: int = 8) -> str | None:
        """One line saying which listed models were left out of the catalog, and how to add."""
        if not self.not_added:
            return None
        shown = ", ".join(self.not_added[:limit])
        more = len(self.not_added) - limit
        if more > 0:
            shown += f" and {more} more"
        return (f"{len(self.not_added)} model(s) listed by the API are not in the catalog and "
                f"were not added: {shown} (add them with --include GLOB, e.g. --include "
                f"'{self.not_added[0]}')")


def cached_models(fetch: Any, base_url: str, cache_dir: Path | None, *, ttl: float,
                  refresh: bool) -> list[dict[str, Any]]:
    """The API's models, from a cache file younger than `ttl` seconds unless `refresh`
    (`cache_dir`: the user's private cache, see `usercache`; None: none, always fetched)."""
    if cache_dir is None:
        fetched: list[dict[str, Any]] = fetch()
        return fetched
    key = hashlib.sha256(base_url.encode()).hexdigest()[:12]
    path = cache_dir / f"models-{key}.json"
    if not refresh and path.is_file():
        cached = json.loads(path.read_text())
        if time.time() - cached["fetched_at"] < ttl:
            models: list[dict[str, Any]] = cached["models"]
            return models
    models = fetch()
    cache_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"base_url": base_url, "fetched_at": time.time(),
                                "models": models}, indent=1))
    return models


def sync_text(text: str, api_models: Sequence[dict[str, Any]], *, today: dt.date,
              include: Sequence[str] = ()) -> tuple[str, SyncReport]:
    """Return the catalog file's new text and what changed; the first ModelCatalog document
    of the file is the one edited."""
    report = SyncReport()
    updated = edit_catalog(text, lambda catalog: _sync(catalog, api_models, today=today,
                                                       include=include, report=report))
    return updated, report


def edit_catalog(text: str, edit: Callable[[CommentedMap], None]) -> str:
    """The catalog file's text after `edit` changed its first ModelCatalog document, written
    in the file's own style (comments, key order and indentation kept)."""
    _, sequence, offset = load_yaml_guess_indent(text)
    writer = make_yaml()
    writer.width = 100
    # ruamel's recipe for keeping a file's style: mapping and dash offset from the guess
    offset = offset or 2
    sequence = max(sequence or 4, offset + 2)  # a guess from a file without lists may be 2
    writer.indent(mapping=offset, sequence=sequence, offset=offset)
    documents = list(writer.load_all(text))
    catalog = next((d for d in documents if isinstance(d, CommentedMap)
                    and d.get("kind") == "ModelCatalog"), None)
    if catalog is None:
        raise ReconcilerError("the file holds no ModelCatalog manifest")
    edit(catalog)
    out = io.StringIO()
    if len(documents) == 1:
        writer.dump(documents[0], out)
    else:
        writer.dump_all(documents, out)
    return out.getvalue()


def catalog_entries(catalog: CommentedMap) -> CommentedSeq:
    """The catalog's list of models, made a block list if it is missing or `[]`."""
    spec = catalog.setdefault("spec", CommentedMap())
    entries = spec.get("models")
    if not isinstance(entries, CommentedSeq):
        entries = CommentedSeq(entries or [])
        spec["models"] = entries
    if entries.fa.flow_style():
        entries.fa.set_block_style()  # `models: []` cannot hold block entries
    return entries


def new_catalog_text(name: str = "models") -> str:
    return (f"# yaml-language-server: $schema=../schemas/v1/model-catalog.schema.json\n"
            f"apiVersion: {API_VERSION}\nkind: ModelCatalog\nmetadata:\n  name: {name}\n"
            "spec:\n  models: []\n")


def _sync(catalog: CommentedMap, api_models: Sequence[dict[str, Any]], *, today: dt.date,
          include: Sequence[str], report: SyncReport) -> None:
    entries = catalog_entries(catalog)
    listed = {m["id"]: m for m in api_models}
    known = {str(e.get("id")): e for e in entries if isinstance(e, CommentedMap)}
    for model_id, entry in known.items():
        if model_id not in listed and entry.get("available", True) is not False:
            entry["available"] = False
            report.unavailable.append(model_id)
        elif model_id in listed and entry.get("available") is False:
            del entry["available"]
            report.available_again.append(model_id)
    for model_id, model in listed.items():
        found = known.get(model_id)
        if found is None:
            if not any(fnmatch.fnmatch(model_id, p) for p in include):
                report.not_added.append(model_id)
                continue
            found = _new_entry(model, today)
            entries.append(found)
            report.added.append(model_id)
        _note_shutdown(found, model, report)


def _new_entry(model: dict[str, Any], today: dt.date) -> CommentedMap:
    entry = CommentedMap()
    entry["id"] = model["id"]
    if model.get("owned_by"):
        entry["owned_by"] = model["owned_by"]
    if model.get("created"):
        entry["created"] = model["created"]
    entry.yaml_add_eol_comment(f"added by `reconciler models sync` on {today.isoformat()}", "id")
    return entry


def _note_shutdown(entry: CommentedMap, model: dict[str, Any], report: SyncReport) -> None:
    """Record the API's shutdown date (it corrects a different one the catalog has: the
    API's word wins), and the replacement this release's calendar names where the catalog
    names none."""
    shutdown = model.get("shutdown_date")
    if not shutdown:
        return
    deprecation = entry.get("deprecation")
    if not isinstance(deprecation, CommentedMap):
        deprecation = CommentedMap()
        entry["deprecation"] = deprecation
    written = deprecation.get("shutdown_on")
    said = dt.date.fromisoformat(shutdown)
    if written is None:
        deprecation["shutdown_on"] = said
        report.shutdown_noted.append(f"{entry['id']}: shuts down on {shutdown} (the API says)")
    elif str(written) != shutdown:
        deprecation["shutdown_on"] = said
        report.shutdown_corrected.append(f"{entry['id']}: shuts down on {shutdown}, not "
                                         f"{written} (the API says)")
    known = builtin().get(str(entry["id"]))
    if not deprecation.get("replacement") and known is not None and known.replacement:
        deprecation["replacement"] = known.replacement
        report.replacement_noted.append(f"{entry['id']}: replaced by {known.replacement} "
                                        "(OpenAI's deprecations page, as this release knows "
                                        "it)")


def find_catalog_file(files: Sequence[Path]) -> list[Path]:
    """Files among `files` holding a ModelCatalog document."""
    found = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        if "ModelCatalog" in text and any(
                line.strip().startswith("kind:") and "ModelCatalog" in line
                for line in text.splitlines()):
            found.append(path)
    return found
