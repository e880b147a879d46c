"""Usage arithmetic: sessions summed per agent, model and day within the window, an estimated
cost only where the catalog prices every session's model, and the renderings of a report."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.errors import ReconcilerError
from reconciler.render import usage as render_usage
from reconciler.usage import ManagedAgent, Rate, Session, parse_window, summarize

UNTIL = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
SINCE = UNTIL - dt.timedelta(days=3)
DAY = 86400
SUPPORT = ManagedAgent("agent_1", "support-agent", "gpt-5.6-terra", "manifests/agents/s.yaml",
                       "in sync")
IDLE = ManagedAgent("agent_2", "research-agent", "gpt-6.1-sol", "manifests/agents/r.yaml",
                    "drifted")
RATES = {"gpt-5.6-terra": Rate(0.25, 2.0)}


def session(n: int, *, at: float, model: str = "gpt-5.6-terra", status: str = "idle",
            tokens: tuple[int, int] = (1000, 200), agent: str = "agent_1") -> Session:
    start = int(SINCE.timestamp() + at * DAY)
    return Session(f"sess_{n}", agent, model, status, start, start + 60, *tokens)


def test_sessions_are_summed_per_agent_model_and_day_within_the_window() -> None:
    found = [session(1, at=0.1), session(2, at=0.2, status="failed"),
             session(3, at=1.5, model="gpt-6-luna", tokens=(10, 5)),
             session(4, at=-0.5), session(5, at=3.0)]  # before the window, at its end
    report = summarize([SUPPORT, IDLE], {"agent_1": found}, RATES, SINCE, UNTIL, requests=2)
    support = report.agents[0]
    assert (support.agent.name, support.totals.sessions, support.totals.failed) == (
        "support-agent", 3, 1)
    assert (support.totals.input_tokens, support.totals.output_tokens) == (2010, 405)
    assert support.totals.cost is None  # gpt-6-luna has no price: unknown, not guessed
    assert report.by_model["gpt-5.6-terra"].cost == pytest.approx(2 * (1000 * 0.25 + 200 * 2) / 1e6)
    assert report.by_model["gpt-6-luna"].cost is None
    assert [d.isoformat() for d in report.by_day] == ["2026-11-28", "2026-11-29"]
    assert report.by_day[dt.date(2026, 11, 28)].sessions == 2
    assert report.unused()[0].agent.name == "research-agent"
    assert report.total.sessions == 3 and report.requests == 2


@given(st.lists(st.tuples(st.floats(-1, 4), st.integers(0, 10**6), st.integers(0, 10**6),
                          st.sampled_from(["gpt-5.6-terra", "gpt-6-luna"]),
                          st.sampled_from(["idle", "failed", "in_progress"]),
                          st.sampled_from(["agent_1", "agent_2"])), max_size=40))
def test_every_grouping_adds_up_to_the_total(rows: list[tuple]) -> None:
    found: dict[str, list[Session]] = {}
    for n, (at, tokens_in, tokens_out, model, status, agent) in enumerate(rows):
        found.setdefault(agent, []).append(session(n, at=at, model=model, status=status,
                                                   tokens=(tokens_in, tokens_out),
                                                   agent=agent))
    report = summarize([SUPPORT, IDLE], found, RATES, SINCE, UNTIL)
    for groups in ([a.totals for a in report.agents], report.by_model.values(),
                   report.by_day.values()):
        groups = list(groups)
        assert sum(g.sessions for g in groups) == report.total.sessions
        assert sum(g.failed for g in groups) == report.total.failed
        assert sum(g.input_tokens for g in groups) == report.total.input_tokens
        assert sum(g.output_tokens for g in groups) == report.total.output_tokens
    inside = [s for ss in found.values() for s in ss
              if SINCE.timestamp() <= s.created_at < UNTIL.timestamp()]
    assert report.total.sessions == len(inside)


@pytest.mark.parametrize(("text", "days"), [("30d", 30), ("12h", 0.5), ("2w", 14)])
def test_windows(text: str, days: float) -> None:
    assert parse_window(text) == dt.timedelta(days=days)


@pytest.mark.parametrize("text", ["30", "0d", "d", "30days", "-1d", "99999d"])
def test_a_bad_window_says_how_to_write_one(text: str) -> None:
    with pytest.raises(ReconcilerError, match="is not a window") as caught:
        parse_window(text)
    assert caught.value.hint == "write a number and a unit, e.g. 12h, 30d or 2w (at most 9999)"


def _report() -> object:
    return summarize([SUPPORT, IDLE], {"agent_1": [session(1, at=0.1),
                                                   session(2, at=2.2, status="failed")]},
                     RATES, SINCE, UNTIL, requests=2)


def test_the_table_per_agent_model_and_day() -> None:
    report = _report()
    by_agent = render_usage.render(report, "agent", "table").splitlines()  # type: ignore[arg-type]
    assert by_agent[0] == ("Usage from 2026-11-28 00:00 UTC to 2026-12-01 00:00 UTC (sessions by "
                           "the day they started), 2 managed agents")
    assert by_agent[2].split() == ["AGENT", "MODEL", "SESSIONS", "FAILED", "%", "TOKENS", "IN",
                                   "TOKENS", "OUT", "EST.", "COST", "LAST", "ACTIVE", "FILE"]
    assert by_agent[3].split()[:8] == ["Agent/support-agent", "gpt-5.6-terra", "2", "50.0",
                                       "2,000", "400", "~$0.0013", "2026-11-30"]
    assert by_agent[4].split() == ["Agent/research-agent", "gpt-6.1-sol", "0", "0", "0", "~$0.00",
                                   "-", "manifests/agents/r.yaml"]
    assert by_agent[-1].startswith("Total: 2 sessions, 50.0% failed, 2,000 tokens in, 400 out, "
                                   "estimated cost ~$0.0013")
    days = render_usage.rows(report, "day")  # type: ignore[arg-type]
    assert [(d["day"], d["sessions"]) for d in days] == [
        ("2026-11-28", 1), ("2026-11-29", 0), ("2026-11-30", 1)]  # gaps kept for charts


def test_csv_and_json_carry_the_same_numbers() -> None:
    report = _report()
    csv_lines = render_usage.render(report, "model", "csv").splitlines()  # type: ignore[arg-type]
    assert csv_lines[0] == ("model,sessions,failed,failure_share,input_tokens,output_tokens,"
                            "estimated_cost,last_active_at")
    assert csv_lines[1].startswith("gpt-5.6-terra,2,1,0.5,2000,400,0.0013,")
    document = json.loads(render_usage.render(report, "agent", "json"))  # type: ignore[arg-type]
    assert document["cost_is_estimate"] is True and document["total"]["sessions"] == 2
    assert [a["agent"] for a in document["agents"]] == ["Agent/support-agent",
                                                        "Agent/research-agent"]


def test_unused_agents_name_the_manifest_to_delete() -> None:
    text = render_usage.render_unused(_report(), "table")  # type: ignore[arg-type]
    assert text.splitlines()[1].split() == ["Agent/research-agent", "gpt-6.1-sol",
                                            "manifests/agents/r.yaml", "drifted"]
    assert "1 of 2 managed agents had no session in the last 3 days" in text
    assert "This command deletes nothing." in text


def test_counts_read_as_english() -> None:
    one = summarize([IDLE], {}, RATES, SINCE, UNTIL)
    assert render_usage.render(one, "agent", "table").splitlines()[0].endswith(
        "(sessions by the day they started), 1 managed agent")
    assert render_usage.render_unused(summarize([], {}, RATES, SINCE, UNTIL), "table") == (
        "No agent is managed here.")
    busy = summarize([SUPPORT], {"agent_1": [session(1, at=0.1)]}, RATES, SINCE,
                     SINCE + dt.timedelta(days=1))
    assert render_usage.render_unused(busy, "table") == (
        "The managed agent had a session in the last day.")
