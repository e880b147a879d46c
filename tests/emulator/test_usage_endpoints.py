"""The organization usage endpoints over seeded sessions, through the official SDK: bucket
totals equal the sums of the sessions' own tokens (read back through the Agents API), by day,
hour and minute, grouped by model and project; costs priced from the emulator's table; pages
follow `next_page`; every answer validates against the spec and parses strictly with the
SDK's types, errors included."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest

from openai_emulator.domain.tokens import cost_usd
from openai_emulator.infra.state import default_models
from openai_emulator.resources.seed import DAY
from tests.emulator.harness import Emulator, start_emulator
from tests.emulator.session_checks import SessionConformance, checked_client

NOW = 1_742_040_000  # 2025-03-15T12:00:00Z
DAYS = 4
FIRST_DAY = NOW - NOW % DAY - (DAYS - 1) * DAY
START, END = FIRST_DAY - DAY, NOW + DAY  # an empty day before, and after
FINE_TUNED = "ft:gpt-4o-mini:acme::abc123"
MODELS = ("gpt-6.1-sol", "gpt-5.6-luna", FINE_TUNED)
Tokens = Counter[str]


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """An emulator that also serves a fine-tuned model (one without a price)."""
    folder: Path = tmp_path_factory.mktemp("usage")
    models = folder / "models.json"
    models.write_text(json.dumps([*default_models(), {
        "id": FINE_TUNED, "object": "model", "created": 1, "owned_by": "acme"}]))
    running = start_emulator(folder, "--models", str(models))
    yield running
    running.stop()


@pytest.fixture
def sdk(emulator: Emulator) -> Iterator[openai.OpenAI]:
    checks = SessionConformance()
    yield checked_client(emulator.url, checks)
    assert checks.problems == [], "answers that do not match the spec or the SDK's types"


@pytest.fixture(scope="module")
def sessions(emulator: Emulator) -> list[dict[str, Any]]:
    """Seed DAYS days of sessions of three agents; return them as the Agents API lists them."""
    client = checked_client(emulator.url, SessionConformance())
    agents = [client.beta.agents.create(model=model, instructions="Be helpful.")
              for model in MODELS]
    emulator.call("POST", "/seed/sessions", {"days": DAYS, "per_day": 40, "seed": 5,
                                             "now": NOW, "failure_share": 0.1})
    return [s.model_dump(mode="json", by_alias=True) for agent in agents
            for s in client.beta.agents.sessions.list(agent_id=agent.id, limit=100)]


def truth(sessions: list[dict[str, Any]], *, width: int = DAY,
          key: str | None = None) -> dict[tuple[int, Any], Tokens]:
    """Input, cached and output tokens summed per bucket start (and model)."""
    found: dict[tuple[int, Any], Tokens] = {}
    for session in sessions:
        start = session["created_at"] - session["created_at"] % width
        group = session["agent"]["model"] if key == "model" else None
        used = session["usage"]
        found.setdefault((start, group), Counter()).update({
            "input": used["input_tokens"], "output": used["output_tokens"],
            "cached": used["input_tokens_details"]["cached_tokens"], "sessions": 1})
    return found


def reported(page: Any, key: str | None = None) -> dict[tuple[int, Any], Tokens]:
    found: dict[tuple[int, Any], Tokens] = {}
    for bucket in page.data:
        assert bucket.end_time - bucket.start_time in (60, 3600, DAY)
        for result in bucket.results:
            group = getattr(result, key) if key else None
            found.setdefault((bucket.start_time, group), Counter()).update({
                "input": result.input_tokens, "output": result.output_tokens,
                "cached": result.input_cached_tokens,
                "sessions": result.num_model_requests})
    return found


def same_tokens(left: dict[tuple[int, Any], Tokens],
                right: dict[tuple[int, Any], Tokens]) -> bool:
    """Equal tokens per bucket and group; at least as many model requests as sessions."""
    def tokens(found: dict[tuple[int, Any], Tokens]) -> dict[tuple[int, Any], Tokens]:
        return {k: Counter({n: v[n] for n in ("input", "output", "cached")})
                for k, v in found.items()}

    return tokens(left) == tokens(right) and all(
        right[k]["sessions"] >= v["sessions"] for k, v in left.items())


def test_daily_buckets_sum_the_sessions(sdk: openai.OpenAI,
                                        sessions: list[dict[str, Any]]) -> None:
    assert len(sessions) == DAYS * 40
    page = sdk.admin.organization.usage.completions(start_time=START, end_time=END)
    assert [b.start_time for b in page.data] == list(range(START, END, DAY))
    assert (page.has_more, page.next_page) == (False, None)
    assert page.data[0].results == [] and page.data[-1].results == []
    assert same_tokens(truth(sessions), reported(page))
    result = page.data[1].results[0]
    assert result.input_uncached_tokens == result.input_tokens - (
        result.input_cached_tokens or 0)
    assert (result.model, result.project_id, result.batch) == (None, None, None)


def test_grouped_by_model_and_project(sdk: openai.OpenAI,
                                      sessions: list[dict[str, Any]]) -> None:
    by_model = sdk.admin.organization.usage.completions(start_time=START, end_time=END,
                                                        group_by=["model"])
    assert same_tokens(truth(sessions, key="model"), reported(by_model, "model"))
    assert {r.model for b in by_model.data for r in b.results} == set(MODELS)
    both = sdk.admin.organization.usage.completions(
        start_time=START, end_time=END, group_by=["project_id", "service_tier", "api_source"])
    results = [r for b in both.data for r in b.results]
    assert {(r.project_id, r.service_tier, r.api_source, r.model) for r in results} == {
        ("proj_emulator", "default", "agents_api", None)}


@pytest.mark.parametrize(("width", "seconds", "limit"), [("1h", 3600, 168), ("1m", 60, 1440)])
def test_hourly_and_minute_buckets(sdk: openai.OpenAI, sessions: list[dict[str, Any]],
                                   width: Any, seconds: int, limit: int) -> None:
    day = [s for s in sessions if FIRST_DAY <= s["created_at"] < FIRST_DAY + DAY]
    page = sdk.admin.organization.usage.completions(
        start_time=FIRST_DAY, end_time=FIRST_DAY + DAY, bucket_width=width, limit=limit)
    assert len(page.data) == DAY // seconds and page.has_more is False
    assert same_tokens(truth(day, width=seconds), reported(page))


def test_pages_follow_next_page(sdk: openai.OpenAI, sessions: list[dict[str, Any]]) -> None:
    whole = sdk.admin.organization.usage.completions(start_time=START, end_time=END,
                                                     group_by=["model"])
    buckets, cursor, pages = [], None, 0
    while True:
        extra = {"page": cursor} if cursor else {}
        page = sdk.admin.organization.usage.completions(
            start_time=START, end_time=END, group_by=["model"], limit=4, **extra)
        buckets += page.data
        pages += 1
        if not page.has_more:
            break
        cursor = page.next_page
    assert pages == 2 and buckets == whole.data


def test_filters(sdk: openai.OpenAI, sessions: list[dict[str, Any]]) -> None:
    usage = sdk.admin.organization.usage
    only = usage.completions(start_time=START, end_time=END, models=["gpt-6.1-sol"])
    gpt5 = [s for s in sessions if s["agent"]["model"] == "gpt-6.1-sol"]
    assert same_tokens(truth(gpt5), reported(only))
    for nothing in ({"project_ids": ["proj_other"]}, {"user_ids": ["user_1"]},
                    {"api_key_ids": ["key_1"]}, {"batch": True}):
        page = usage.completions(start_time=START, end_time=END, **nothing)  # type: ignore
        assert all(b.results == [] for b in page.data), nothing
    everything = usage.completions(start_time=START, end_time=END, batch=False,
                                   project_ids=["proj_emulator"])
    assert same_tokens(truth(sessions), reported(everything))


def test_costs_are_the_priced_tokens(sdk: openai.OpenAI,
                                     sessions: list[dict[str, Any]]) -> None:
    def cost(session: dict[str, Any]) -> float:
        used = session["usage"]
        priced = cost_usd(session["agent"]["model"], used["input_tokens"],
                          used["input_tokens_details"]["cached_tokens"], used["output_tokens"])
        return priced or 0.0

    total = sum(cost(s) for s in sessions)
    plain = sdk.admin.organization.usage.costs(start_time=START, end_time=END)
    amounts = [r.amount for b in plain.data for r in b.results]
    assert all(a is not None and a.currency == "usd" for a in amounts)
    assert sum(a.value or 0 for a in amounts if a) == pytest.approx(total, rel=1e-9)
    by_line = sdk.admin.organization.usage.costs(start_time=START, end_time=END,
                                                 group_by=["line_item", "project_id"])
    lines: dict[str, float] = {}
    for result in (r for b in by_line.data for r in b.results):
        assert result.project_id == "proj_emulator" and result.quantity_unit == "tokens"
        assert result.line_item is not None and result.amount is not None
        lines[result.line_item] = lines.get(result.line_item, 0.0) + (result.amount.value or 0)
    assert sum(lines.values()) == pytest.approx(total, rel=1e-9)
    assert set(lines) == {f"{model}, {kind}_tokens" for model in MODELS
                          for kind in ("input", "cached_input", "output")}
    assert lines[f"{FINE_TUNED}, output_tokens"] == 0.0, "a model without a price costs 0"
    outputs = sum(s["usage"]["output_tokens"] for s in sessions
                  if s["agent"]["model"] == "gpt-6.1-sol")
    assert lines["gpt-6.1-sol, output_tokens"] == pytest.approx(outputs * 10.0 / 1_000_000)
    one = sdk.admin.organization.usage.costs(start_time=START, end_time=END,
                                             line_items=["gpt-6.1-sol, output_tokens"])
    values = [r.amount.value for b in one.data for r in b.results if r.amount]
    assert sum(v or 0 for v in values) == pytest.approx(lines["gpt-6.1-sol, output_tokens"])


def test_a_deleted_session_still_counts(sdk: openai.OpenAI) -> None:
    agent = sdk.beta.agents.create(model="gpt-6-sol")
    session = sdk.beta.agents.sessions.create(environment={"type": "none"}, agent_id=agent.id,
                                              input="Count me.")
    assert session.usage is not None
    window = {"start_time": session.created_at, "end_time": session.created_at + 1,
              "bucket_width": "1m", "models": ["gpt-6-sol"]}
    before = sdk.admin.organization.usage.completions(**window)  # type: ignore[arg-type]
    sdk.beta.agents.sessions.delete(session.id)
    after = sdk.admin.organization.usage.completions(**window)  # type: ignore[arg-type]
    assert after == before
    result = after.data[0].results[0]
    assert (result.input_tokens, result.output_tokens, result.num_model_requests) == (
        session.usage.input_tokens, session.usage.output_tokens, 1)


@pytest.mark.parametrize(("path", "query", "param", "code"), [
    ("/organization/usage/completions", {}, "start_time", "missing_required_parameter"),
    ("/organization/usage/completions", {"start_time": "soon"}, "start_time", "invalid_type"),
    ("/organization/usage/completions", {"start_time": 10, "end_time": 10}, "end_time",
     "invalid_value"),
    ("/organization/usage/completions", {"start_time": 0, "bucket_width": "2h"},
     "bucket_width", "invalid_value"),
    ("/organization/costs", {"start_time": 0, "bucket_width": "1h"}, "bucket_width",
     "invalid_value"),
    ("/organization/usage/completions", {"start_time": 0, "group_by[]": "region"},
     "group_by", "invalid_value"),
    ("/organization/costs", {"start_time": 0, "group_by": "model"}, "group_by",
     "invalid_value"),
    ("/organization/usage/completions", {"start_time": 0, "limit": 32}, "limit",
     "integer_above_max_value"),
    ("/organization/costs", {"start_time": 0, "limit": 0}, "limit", "integer_below_min_value"),
    ("/organization/costs", {"start_time": 0, "page": "page_bm9wZQ=="}, "page",
     "invalid_value"),
    ("/organization/usage/completions", {"start_time": 0, "batch": "maybe"}, "batch",
     "invalid_type"),
])
def test_refusals(sdk: openai.OpenAI, path: str, query: dict[str, Any], param: str,
                  code: str) -> None:
    with pytest.raises(openai.BadRequestError) as refused:
        sdk.get(path, cast_to=object, options={"params": query})
    assert (refused.value.body["param"], refused.value.body["code"]) == (param, code)
    if param == "bucket_width" and path.endswith("costs"):
        assert refused.value.body["message"] == (
            "Invalid value: '1h'. Supported values are: '1d'.")
