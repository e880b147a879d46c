"""Model retirement: what is known of each model's shutdown, and the gate plans pass.

Who says when a model shuts down, in this order: the API (`shutdown_date` on `GET
/v1/models`, read by every plan), the ModelCatalog (hand-filled `deprecation`), the calendar
this release ships (`modelcalendar`). The replacement comes from the catalog, else the
calendar. `validate` has no API, so it judges by the other two; `plan` and `apply` judge by
the API's word and say where the catalog disagrees (README, "Models and retirement").

The gate, with the windows of `reconciler.yaml` (`models:`, per environment):
- a model past its shutdown is an error wherever it is used, naming the replacement;
- a plan that creates a resource on a model shutting down within `block_within_days`, or
  moves one onto it, is an error at the manifest line that sets the model;
- a resource on a model shutting down within `warn_within_days` gets a warning with the days
  left and the replacement.

Everything here is pure: the caller reads the API and the clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from reconciler.diagnostics import Code, Diagnostics, Location
from reconciler.modelcalendar import Calendar, builtin

if TYPE_CHECKING:
    from reconciler.model.config import ModelWindows
    from reconciler.model.desired import DesiredResource

API, CATALOG, CALENDAR = "the API", "the catalog", "this release's model calendar"
RETIREMENT_CODES = frozenset({Code.DEPRECATED_MODEL, Code.MODEL_SHUT_DOWN})


class CatalogFacts(Protocol):
    """What the model catalog knows of a model (see `kinds.model_catalog.catalog`)."""

    def shutdown_of(self, model_id: str) -> dt.date | None: ...
    def replacement_of(self, model_id: str) -> str | None: ...
    def deprecated(self, model_id: str) -> bool: ...


@dataclass(frozen=True)
class ModelFacts:
    """What is known of one model's retirement, and who said it."""

    id: str
    shutdown_date: dt.date | None = None
    said_by: str = ""
    replacement: str | None = None
    replacement_note: str | None = None
    deprecated: bool = False
    """The catalog marks it deprecated (with or without a date)."""

    def days_left(self, today: dt.date) -> int | None:
        """Days until its shutdown (0 or fewer: shut down; None: none announced)."""
        return None if self.shutdown_date is None else (self.shutdown_date - today).days

    def variables(self, today: dt.date) -> dict[str, Any]:
        """`model` as a policy rule sees it."""
        return {"id": self.id,
                "shutdown_date": self.shutdown_date.isoformat() if self.shutdown_date else "",
                "days_to_shutdown": self.days_left(today), "retiring": bool(self.shutdown_date),
                "replacement": self.replacement or ""}

    def move_to(self) -> str:
        """A hint: what to move to, and the command that does it."""
        if self.replacement:
            return f"move to {self.target()}: reconciler models upgrade --from {self.id}"
        return (f"no replacement is known: choose one, then reconciler models upgrade --from "
                f"{self.id} --to MODEL")

    def target(self) -> str:
        """The replacement, with its note (`gpt-6.1-sol (reasoning.mode: pro)`)."""
        note = f" ({self.replacement_note})" if self.replacement_note else ""
        return f"{self.replacement}{note}" if self.replacement else ""


class Facts:
    """Every model's retirement facts, from the API (when read), the catalog and the
    calendar, as of `today`."""

    def __init__(self, catalog: CatalogFacts | None, today: dt.date, *,
                 api: Mapping[str, Mapping[str, Any]] | None = None,
                 calendar: Calendar | None = None) -> None:
        self.catalog = catalog
        self.today = today
        self.api = api
        self.calendar = calendar if calendar is not None else builtin()

    def of(self, model_id: str) -> ModelFacts:
        """What is known of `model_id`; the API's word on the date wins when it lists it."""
        known = self.calendar.get(model_id)
        replacement = self.catalog.replacement_of(model_id) if self.catalog else None
        note = None
        if replacement is None and known is not None:
            replacement, note = known.replacement, known.replacement_note
        date, said_by = self._shutdown(model_id)
        deprecated = self.catalog.deprecated(model_id) if self.catalog else False
        return ModelFacts(model_id, date, said_by, replacement, note, deprecated)

    def _shutdown(self, model_id: str) -> tuple[dt.date | None, str]:
        if self.api is not None and model_id in self.api:
            listed = self.api[model_id].get("shutdown_date")
            return (dt.date.fromisoformat(str(listed)), API) if listed else (None, API)
        if self.catalog is not None:
            written = self.catalog.shutdown_of(model_id)
            if written is not None:
                return written, CATALOG
        known = self.calendar.get(model_id)
        if known is not None and known.shutdown_date is not None:
            return known.shutdown_date, CALENDAR
        return None, ""

    def disagreements(self, used: Iterable[str]) -> list[str]:
        """Where the catalog's shutdown date differs from the API's, for the models in use."""
        if self.api is None or self.catalog is None:
            return []
        found = []
        for model_id in sorted(set(used)):
            written = self.catalog.shutdown_of(model_id)
            if model_id not in self.api or written is None:
                continue
            listed = self.api[model_id].get("shutdown_date")
            if listed != written.isoformat():
                said = f"shuts down on {listed}" if listed else "announces no shutdown"
                found.append(f"the catalog says model '{model_id}' shuts down on "
                             f"{written.isoformat()}, the API says it {said}: the API's word "
                             "is used (reconciler models sync corrects the catalog)")
        return found


def judge(facts: ModelFacts, windows: ModelWindows, today: dt.date, location: Location | None,
          diagnostics: Diagnostics, *, subject: str = "", moving: bool = False) -> None:
    """Report one use of a model: shut down (error), moved onto within the block window
    (`moving`: a create, or a change of model; error), within the warn window, or deprecated
    by the catalog without a date (warnings)."""
    left = facts.days_left(today)
    who = f"{subject}: " if subject else ""
    if left is None:
        if facts.deprecated:
            diagnostics.warning(Code.DEPRECATED_MODEL, f"{who}model '{facts.id}' is deprecated"
                                + (f"; move to {facts.target()}" if facts.replacement else ""),
                                location, path="spec.model", hint=_command(facts))
        return
    when = f"on {facts.shutdown_date}, in {_days(left)}"
    said = f" ({facts.said_by} says)" if facts.said_by else ""
    if left <= 0:
        diagnostics.error(Code.MODEL_SHUT_DOWN, f"{who}model '{facts.id}' was shut down on "
                          f"{facts.shutdown_date}{said}", location, path="spec.model",
                          hint=facts.move_to())
    elif moving and left <= windows.block:
        diagnostics.error(Code.MODEL_SHUT_DOWN, f"{who}model '{facts.id}' shuts down {when}"
                          f"{said}: within models.block_within_days ({windows.block}), no "
                          "resource is created on it or moved onto it", location,
                          path="spec.model", hint=facts.move_to())
    elif left <= windows.warn:
        diagnostics.warning(Code.DEPRECATED_MODEL, f"{who}model '{facts.id}' shuts down {when}"
                            f"{said}" + (f"; move to {facts.target()}" if facts.replacement
                                         else ""), location, path="spec.model",
                            hint=_command(facts))


def _command(facts: ModelFacts) -> str:
    if facts.replacement:
        return f"reconciler models upgrade --from {facts.id} edits every place it is set"
    return facts.move_to()


def check_resources(resources: Sequence[DesiredResource], facts: Facts,
                    windows: ModelWindows, moving: Iterable[str] = ()) -> Diagnostics:
    """The gate over a plan's resources: every declared resource with a model is judged;
    those whose address is in `moving` (the plan creates, replaces or moves them to another
    model) are judged as moving."""
    moving = set(moving)
    diagnostics = Diagnostics()
    for resource in resources:
        model = resource.body.get("model")
        if not isinstance(model, str):
            continue
        judge(facts.of(model), windows, facts.today, resource.model_source or resource.source,
              diagnostics, subject=resource.address, moving=resource.address in moving)
    return diagnostics


def _days(count: int) -> str:
    return "1 day" if count == 1 else f"{count} days"


# --- what a model accepts ----------------------------------------------------------------


@dataclass(frozen=True)
class Accepts:
    """What a model accepts of the settings that differ between models (None: unknown)."""

    reasoning: bool | None
    efforts: tuple[str, ...] | None


def accepts(model: str, capabilities: Mapping[str, Sequence[str]],
            efforts: Mapping[str, Sequence[str] | None],
            calendar: Calendar | None = None) -> Accepts:
    """From the catalog (`capabilities` tag `reasoning`, `reasoning_efforts`), else the
    calendar."""
    known = (calendar or builtin()).get(model)
    reasoning: bool | None = None
    if model in capabilities:
        reasoning = "reasoning" in capabilities[model]
    elif known is not None:
        reasoning = known.reasoning
    offered = efforts.get(model)
    if offered is None and known is not None:
        offered = known.reasoning_efforts
    return Accepts(reasoning, tuple(offered) if offered is not None else None)


def effort_path(kind: str) -> tuple[str, ...]:
    """Where a kind's body sets the reasoning effort."""
    return ("reasoning", "effort") if kind == "Agent" else ("reasoning_effort",)


def unsupported(kind: str, body: Mapping[str, Any], model: str, what: Accepts
                ) -> list[tuple[tuple[str, ...], str]]:
    """The settings of a resolved body that `model` does not accept: (field path, what is
    wrong, as `VALUE — why`)."""
    problems: list[tuple[tuple[str, ...], str]] = []
    path = effort_path(kind)
    effort = (body.get("reasoning") or {}).get("effort") if kind == "Agent" \
        else body.get("reasoning_effort")
    # a reasoning model that offers the effort `none` takes sampling settings at that effort
    # (its default, for the models that offer it); one that does not never takes them
    sampling_ok = what.efforts is not None and "none" in what.efforts \
        and effort in (None, "none")
    if what.reasoning is True and not sampling_ok:
        for name in ("temperature", "top_p"):
            if body.get(name) is None:
                continue
            why = (f"takes {name} only at reasoning effort none"
                   if what.efforts is not None and "none" in what.efforts
                   else f"does not accept {name}")
            problems.append(((name,), f"{body[name]} — {model} is a reasoning model and {why}"))
    if what.reasoning is False and effort is not None:
        problems.append((path, f"{effort} — {model} is not a reasoning model"))
    elif what.efforts is not None and effort is not None and effort not in what.efforts:
        problems.append((path, f"{effort} — {model} accepts {', '.join(what.efforts)}"))
    return problems
