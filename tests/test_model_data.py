"""One data file holds what this release knows of OpenAI's models (reconciler/data/
model-calendar.json); the emulator's models and prices are made from it, and the example
catalog, the shipped manifests and the README quote it consistently."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import yaml

from reconciler import modelcalendar
from reconciler.manifests.project import load_manifest_set
from tests.conftest import EXAMPLES, REPO, docs_text

EMULATOR_DATA = REPO / "openai_emulator/data"
CALENDAR = modelcalendar.builtin()


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def test_the_emulator_s_models_and_prices_are_made_from_the_calendar() -> None:
    data = modelcalendar.raw()
    assert _json(EMULATOR_DATA / "models.json") == modelcalendar.emulator_models(data), (
        "run make models-data")
    assert _json(EMULATOR_DATA / "prices.json") == modelcalendar.emulator_prices(data), (
        "run make models-data")


def test_every_calendar_entry_has_a_source_and_a_consistent_replacement() -> None:
    for model in CALENDAR.models.values():
        assert model.source.startswith("https://"), model.id
        if model.replacement is not None:
            assert model.shutdown_date is not None, f"{model.id}: a replacement, no shutdown"
            target = CALENDAR.get(model.replacement)
            if target is not None:  # a replacement the calendar lists is one that runs longer
                assert target.shutdown_date is None or target.shutdown_date > \
                    model.shutdown_date, model.id
    for gone in ("gpt-4-turbo", "gpt-4", "gpt-3.5-turbo", "o1", "o3-mini", "gpt-4.1-nano"):
        assert CALENDAR.models[gone].shutdown_date == dt.date(2026, 10, 23), gone
    for soon in ("gpt-5", "gpt-5-mini", "gpt-5-nano", "gpt-5-pro", "o3", "o3-pro"):
        assert CALENDAR.models[soon].shutdown_date == dt.date(2026, 12, 11), soon
    for later in ("gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini"):
        assert CALENDAR.models[later].shutdown_date == dt.date(2027, 1, 14), later


def _catalog_entries(data: dict[str, Any]) -> list[dict[str, Any]]:
    return list(data.get("spec", {}).get("models", []))


def _quoted_catalogs() -> list[tuple[str, dict[str, Any]]]:
    """Every catalog entry the example catalog and the README's YAML blocks hold."""
    found = []
    example = yaml.safe_load((EXAMPLES / "models/catalog.yaml").read_text(encoding="utf-8"))
    found += [("manifests/models/catalog.yaml", e) for e in _catalog_entries(example)]
    readme = docs_text()
    for block in re.findall(r"^```yaml\n(.*?)^```$", readme, re.MULTILINE | re.DOTALL):
        if "kind: ModelCatalog" in block:
            for document in yaml.safe_load_all(block):
                found += [("README.md", e) for e in _catalog_entries(document or {})]
    return found


def test_the_example_catalog_and_the_readme_quote_the_calendar() -> None:
    quoted = _quoted_catalogs()
    assert {where for where, _ in quoted} == {"manifests/models/catalog.yaml", "README.md"}
    for where, entry in quoted:
        known = CALENDAR.get(entry["id"])
        assert known is not None, f"{where}: {entry['id']} is not in the model calendar"
        deprecation = entry.get("deprecation") or {}
        assert deprecation.get("shutdown_on") == known.shutdown_date, (where, entry["id"])
        assert deprecation.get("replacement") == known.replacement, (where, entry["id"])
        pricing = entry.get("pricing")
        if pricing is not None and known.price is not None:
            assert pricing["input_per_1m_tokens"] == known.price.input, (where, entry["id"])
            assert pricing["output_per_1m_tokens"] == known.price.output, (where, entry["id"])
            if "cached_input_per_1m_tokens" in pricing:
                assert pricing["cached_input_per_1m_tokens"] == known.price.cached_input
        if "context_window" in entry and known.context_window is not None:
            assert entry["context_window"] == known.context_window, (where, entry["id"])


SHUTDOWN_SENTENCE = re.compile(r"'?\b([a-z][a-z0-9.-]+)'? (?:shuts|shut|was shut) down on "
                               r"(\d{4}-\d\d-\d\d)")


def test_the_readme_s_shutdown_dates_are_the_calendar_s() -> None:
    readme = docs_text()
    checked = 0
    for model, date in SHUTDOWN_SENTENCE.findall(readme):
        known = CALENDAR.get(model)
        if known is not None:
            assert known.shutdown_date == dt.date.fromisoformat(date), (model, date)
            checked += 1
    assert checked >= 5


def test_the_shipped_manifests_use_no_model_with_an_announced_shutdown() -> None:
    manifests = load_manifest_set([str(EXAMPLES)])
    used = {r.body["model"] for r in manifests.resources if "model" in r.body}
    assert used, "the example project declares assistants and agents"
    for model in used:
        known = CALENDAR.get(model)
        assert known is not None and known.shutdown_date is None, model
    readme = docs_text()
    for block in re.findall(r"^```yaml\n(.*?)^```$", readme, re.MULTILINE | re.DOTALL):
        for document in yaml.safe_load_all(block):
            if isinstance(document, dict) and document.get("kind") in ("Agent", "Assistant",
                                                                       "Template"):
                model = (document.get("spec") or {}).get("model")
                if model is not None:
                    known = CALENDAR.get(model)
                    assert known is not None and known.shutdown_date is None, model
