"""OpenAI's model calendar as this release knows it: shutdown dates, replacements, prices.

One data file (`data/model-calendar.json`) holds what OpenAI's deprecations page and price
list said when this release was made, each model with its source. The reconciler uses it
where nothing better is known: a replacement the catalog does not name, a shutdown date
neither the catalog nor (offline, in `validate`) the API gives. The API's `shutdown_date`
beats it, and the ModelCatalog's hand-filled facts beat it too (README, "Models and
retirement"). The emulator's built-in models and prices are made from it (`make
models-data`), and a test checks they still agree.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

DATA_FILE = "model-calendar.json"
API_FIELDS = ("id", "object", "created", "owned_by", "shutdown_date")
"""What `GET /v1/models` answers for a model (the SDK's `Model`)."""


@dataclass(frozen=True)
class Price:
    """USD per million tokens (None: not published)."""

    input: float | None
    cached_input: float | None
    output: float | None


@dataclass(frozen=True)
class CalendarModel:
    """One model as the calendar knows it."""

    id: str
    created: int | None
    owned_by: str
    shutdown_date: dt.date | None
    replacement: str | None
    replacement_note: str | None
    price: Price | None
    reasoning: bool | None
    """Whether it is a reasoning model (takes `reasoning.effort`, refuses `temperature`)."""
    reasoning_efforts: tuple[str, ...] | None
    context_window: int | None
    source: str


@dataclass(frozen=True)
class Calendar:
    """Every model the calendar lists, by id, and when it was made."""

    as_of: dt.date
    models: dict[str, CalendarModel]

    def get(self, model_id: str) -> CalendarModel | None:
        return self.models.get(model_id)


def parse(data: dict[str, Any]) -> Calendar:
    """A calendar from its JSON form."""
    models = {}
    for entry in data["models"]:
        price = entry.get("price")
        shutdown = entry.get("shutdown_date")
        efforts = entry.get("reasoning_efforts")
        models[entry["id"]] = CalendarModel(
            id=entry["id"], created=entry.get("created"), owned_by=entry["owned_by"],
            shutdown_date=dt.date.fromisoformat(shutdown) if shutdown else None,
            replacement=entry.get("replacement"), replacement_note=entry.get("replacement_note"),
            price=Price(price.get("input"), price.get("cached_input"), price.get("output"))
            if price else None,
            reasoning=entry.get("reasoning"),
            reasoning_efforts=tuple(efforts) if efforts is not None else None,
            context_window=entry.get("context_window"), source=entry["source"])
    return Calendar(as_of=dt.date.fromisoformat(data["as_of"]), models=models)


def raw() -> dict[str, Any]:
    """The data file as it is."""
    text = resources.files("reconciler.data").joinpath(DATA_FILE).read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@cache
def builtin() -> Calendar:
    """The calendar this release ships."""
    return parse(raw())


# --- the emulator's data, made from the calendar ------------------------------------------


def emulator_models(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The emulator's built-in models: every model the calendar lists, as the API answers
    for it (the emulator leaves out those whose shutdown date has passed)."""
    models = []
    as_of = dt.datetime.fromisoformat(data["as_of"]).replace(tzinfo=dt.UTC)
    for entry in data["models"]:
        created = entry["created"] if entry.get("created") is not None else int(
            as_of.timestamp())
        model = {"id": entry["id"], "object": "model", "created": created,
                 "owned_by": entry["owned_by"]}
        if entry.get("shutdown_date"):
            model["shutdown_date"] = entry["shutdown_date"]
        models.append(model)
    return models


def emulator_prices(data: dict[str, Any]) -> dict[str, Any]:
    """The emulator's price table: the calendar's prices of models with an input and an
    output price (cached input: the input price where none is published)."""
    table = {}
    for entry in data["models"]:
        price = entry.get("price") or {}
        if price.get("input") is not None and price.get("output") is not None:
            cached = price.get("cached_input")
            table[entry["id"]] = {"input": price["input"], "output": price["output"],
                                  "cached_input": price["input"] if cached is None else cached}
    return {
        "$comment": ("What the emulator charges for the tokens of agent sessions (GET "
                     "/v1/organization/costs, a session's spend_control.consumed): USD per 1M "
                     "tokens, OpenAI's standard-tier list prices as of "
                     f"{data['as_of']} ({data['sources']['pricing']}). Made from the "
                     "reconciler's model calendar by `make models-data`: do not edit. A model "
                     "not listed here costs 0; cached_input is the input price where none is "
                     "published."),
        "currency": "usd", "per_1m_tokens": table}


def write_emulator_data(folder: Path) -> list[Path]:
    """Write the emulator's models.json and prices.json into `folder`."""
    data = raw()
    models = folder / "models.json"
    lines = [json.dumps(m) for m in emulator_models(data)]
    models.write_text("[\n  " + ",\n  ".join(lines) + "\n]\n", encoding="utf-8")
    prices = folder / "prices.json"
    prices.write_text(json.dumps(emulator_prices(data), indent=1) + "\n", encoding="utf-8")
    return [models, prices]


if __name__ == "__main__":  # python -m reconciler.modelcalendar EMULATOR_DATA_FOLDER
    for written in write_emulator_data(Path(sys.argv[1])):
        print(f"wrote {written}")
