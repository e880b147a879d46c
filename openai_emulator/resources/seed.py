"""A month of agent sessions in one call, for tests and the demo.

`seed_sessions` writes them straight to the store in one transaction (50,000 in about a
second), deterministic for a seed, ids included: the same seed and agent make the same
sessions, so seeding again with a seed adds none. `POST /admin/seed/sessions` runs it in a
running emulator (this module's `ADMIN_ROUTES`; it has no `/v1` route);
`reconciler.localemulator.request_seed` is how `reconciler emulator seed-usage` calls that.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from itertools import accumulate
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from openai_emulator.domain import agent_config, session_records, tokens
from openai_emulator.infra.errors import invalid
from openai_emulator.infra.http import json_body, ok, state_of, stored
from openai_emulator.infra.state import State
from openai_emulator.infra.validation import parse_model

DAY = 86_400
HOURLY = tuple(accumulate((1, 1, 1, 1, 1, 2, 3, 5, 8, 10, 10, 10, 9, 10, 10, 10, 9, 7, 5, 4,
                           3, 2, 2, 1)))
"""How busy each hour of a day (UTC) is, as cumulative weights."""
TURNS = (1, 2, 3, 4, 5, 6, 8)
TURN_WEIGHTS = tuple(accumulate((40, 25, 14, 9, 6, 4, 2)))
CHANNELS = ("web", "slack", "api", "email")
ERRORS = ("The model's output did not match the requested JSON schema.",
          "A tool call timed out after 120 seconds.",
          "The MCP server 'docs' could not be reached.",
          "The turn exceeded the model's context window.")
MAX_SESSIONS = 2_000_000
"""The most sessions one call may seed (days x per_day)."""


@dataclass(frozen=True)
class Seeded:
    """What a seeding wrote: sessions created, skipped (already there: same seed), failed
    (of those created), over how many agents, in [start_time, end_time)."""

    created: int
    skipped: int
    failed: int
    agents: int
    start_time: int
    end_time: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def seed_sessions(state: State, agent_ids: Sequence[str] | None = None, *, days: int = 30,
                  per_day: int = 100, failure_share: float = 0.05, seed: int = 0,
                  now: int | None = None) -> Seeded:
    """Write `days` x `per_day` sessions of the agents (default: every stored agent) over the
    days up to `now` (default: the current time; the first day starts at 00:00 UTC).

    Busier agents have more (a Zipf-like share), business hours (UTC) more than the night;
    each session has 1-8 turns whose tokens grow with the context, a cached share after the
    first turn, reasoning tokens for reasoning models, and fails at `failure_share`.
    """
    chosen = _agents(state, agent_ids)
    rng = random.Random(seed)
    end = state.now() if now is None else now
    first_day = end - end % DAY - (days - 1) * DAY
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(chosen))]
    rng.shuffle(weights)
    popularity = list(accumulate(weights))
    made = [0] * len(chosen)
    rows: list[tuple[object, ...]] = []
    failures: set[str] = set()
    for day in range(days):
        start = first_day + day * DAY
        span = max(1, min(DAY, end - start))
        picks = rng.choices(range(len(chosen)), cum_weights=popularity, k=per_day)
        hours = rng.choices(range(24), cum_weights=HOURLY, k=per_day)
        for index, hour in zip(picks, hours, strict=True):
            created = start + int((hour + rng.random()) / 24 * span)
            session_id = _session_id(seed, chosen[index]["id"], made[index])
            made[index] += 1
            session, requests = _session(rng, chosen[index], created, end, failure_share,
                                         session_id=session_id, seed=seed)
            if session["status"] == "failed":
                failures.add(session_id)
            rows.append(session_records.row(session, requests=requests))
    there = _existing(state, [str(r[0]) for r in rows])
    new = [r for r in rows if r[0] not in there]
    state.store.write_many(session_records.INSERT, new)
    return Seeded(len(new), len(rows) - len(new), len(failures - there), len(chosen),
                  first_day, end)


def _existing(state: State, session_ids: list[str]) -> set[str]:
    """Those of the ids already stored (seeded before with the same seed)."""
    found = state.store.rows("SELECT id FROM sessions WHERE id IN "
                             "(SELECT value FROM json_each(?))", (json.dumps(session_ids),))
    return {str(r[0]) for r in found}


def _agents(state: State, agent_ids: Sequence[str] | None) -> list[dict[str, Any]]:
    """The snapshots of the agents to seed (a 404 for an unknown id)."""
    if agent_ids is None:
        found = state.store.all(agent_config.KIND)
    else:
        found = [stored(state, agent_config.KIND, a, "agent") for a in dict.fromkeys(agent_ids)]
    if not found:
        raise invalid("There is no agent to seed sessions for: create one first, or name "
                      "some in 'agent_ids'.", "agent_ids", "invalid_value")
    return [session_records.snapshot(agent) for agent in found]


def _session_id(seed: int, agent_id: str, number: int) -> str:
    digest = hashlib.blake2b(f"{seed}:{agent_id}:{number}".encode(), digest_size=12)
    return "sess_" + digest.hexdigest()


def _session(rng: random.Random, agent: dict[str, Any], created: int, end: int,
             failure_share: float, *, session_id: str, seed: int
             ) -> tuple[dict[str, Any], int]:
    """One session of `agent` and the model requests it made (its turns)."""
    turns = rng.choices(TURNS, cum_weights=TURN_WEIGHTS)[0]
    base = math.ceil(len(agent.get("instructions") or "") / 4) + 350
    input_tokens = cached = output = 0
    for turn in range(turns):
        context = base + int(rng.lognormvariate(6.7, 0.8)) + turn * 400
        input_tokens += context
        cached += int(context * rng.uniform(0.5, 0.9)) if turn else 0
        output += int(rng.lognormvariate(5.7, 0.7))
    share = tokens.reasoning_share(agent)
    reasoning = int(output * share / (1 - share))
    session = session_records.new_session(
        agent, created_at=created, session_id=session_id, environment={"type": "none"},
        last_active_at=min(end, created + turns * rng.randint(4, 60)),
        metadata={"channel": rng.choice(CHANNELS), "seed": str(seed)})
    if rng.random() < failure_share:
        session.update(status="failed", error=rng.choice(ERRORS))
        output, reasoning = output // 2, reasoning // 2
    used = tokens.token_usage(input_tokens, cached, output + reasoning, reasoning)
    session["usage"] = used
    session["spend_control"]["consumed"] = tokens.spend(agent["model"], used)
    return session, turns


# --- the admin endpoint and its client ---------------------------------------------------


class SeedRequest(BaseModel):
    """The body of `POST /admin/seed/sessions`."""

    model_config = ConfigDict(extra="forbid")
    agent_ids: list[str] | None = None
    days: int = Field(30, ge=1, le=366)
    per_day: int = Field(100, ge=1, le=100_000)
    failure_share: float = Field(0.05, ge=0.0, le=1.0)
    seed: int = 0
    now: int | None = Field(None, ge=0)


async def seed_endpoint(request: Request) -> JSONResponse:
    """Seed sessions in this emulator; answer what was written (`Seeded`)."""
    body = await json_body(request)
    if not isinstance(body, dict):
        raise invalid("The request body must be a JSON object.")
    parsed = parse_model(SeedRequest, body)
    if parsed.days * parsed.per_day > MAX_SESSIONS:
        raise invalid(f"Invalid 'per_day': days x per_day is over {MAX_SESSIONS:,} sessions.",
                      "per_day", "invalid_value")
    seeded = await run_in_threadpool(
        seed_sessions, state_of(request), parsed.agent_ids, days=parsed.days,
        per_day=parsed.per_day, failure_share=parsed.failure_share, seed=parsed.seed,
        now=parsed.now)
    return ok(seeded.as_dict())


ROUTES: list[Route] = []
"""None under `/v1`: seeding is an admin endpoint."""
ADMIN_ROUTES = [Route("/admin/seed/sessions", seed_endpoint, methods=["POST"])]
