"""Token usage and its price: what the stand-in model uses for a turn of an agent session
(`stand_in_usage`), and what tokens cost (`cost_usd`, `spend`, from the small table in
`openai_emulator/data/prices.json`; a model not in it costs 0). Sessions record it, the seeding
makes a month of it, and the usage endpoints (`resources.usage`) sum and price it.
"""

from __future__ import annotations

import json
import math
import re
import zlib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

IMAGE_TOKENS = 85
REASONING_MODELS = re.compile(r"^(o\d|gpt-5|gpt-6)")
REASONING_SHARE = {"none": 0.0, "minimal": 0.1, "low": 0.25, "medium": 0.5, "high": 0.75,
                   "xhigh": 0.85, "max": 0.9}
"""The share of output tokens a reasoning model spends reasoning, by effort (default medium)."""


@dataclass(frozen=True)
class Price:
    """USD per million tokens."""

    input: float
    cached_input: float
    output: float


@cache
def prices() -> dict[str, Price]:
    """The packaged price table, by model."""
    text = resources.files("openai_emulator.data").joinpath("prices.json").read_text("utf-8")
    return {model: Price(**rates) for model, rates in json.loads(text)["per_1m_tokens"].items()}


def cost_usd(model: str, input_tokens: int, cached: int, output: int) -> float | None:
    """What tokens of `model` cost in USD, or None when the table has no price for it."""
    price = prices().get(model)
    if price is None:
        return None
    return ((input_tokens - cached) * price.input + cached * price.cached_input
            + output * price.output) / 1_000_000


# --- what the stand-in model uses ------------------------------------------------------


def token_usage(input_tokens: int, cached: int, output: int, reasoning: int) -> dict[str, Any]:
    """A `TokenUsage` object."""
    return {"input_tokens": input_tokens, "input_tokens_details": {"cached_tokens": cached},
            "output_tokens": output, "output_tokens_details": {"reasoning_tokens": reasoning},
            "total_tokens": input_tokens + output}


def reasoning_share(agent: dict[str, Any]) -> float:
    """The share of output a model spends reasoning: none unless it is a reasoning model."""
    if not REASONING_MODELS.match(agent["model"]):
        return 0.0
    return REASONING_SHARE[(agent.get("reasoning") or {}).get("effort") or "medium"]


def stand_in_usage(agent: dict[str, Any], text: str, images: int) -> dict[str, Any]:
    """What the stand-in model uses for one turn: a token per 4 characters of instructions
    and input (85 per image), output a deterministic function of the input."""
    input_tokens = math.ceil((len(agent.get("instructions") or "") + len(text)) / 4)
    input_tokens += IMAGE_TOKENS * images
    output = 16 + input_tokens // 4 + zlib.crc32(text.encode()) % 64
    return token_usage(input_tokens, 0, output, int(output * reasoning_share(agent)))


def spend(model: str, used: dict[str, Any]) -> int | None:
    """Whole US cents spent (floored), or None for a model without a price."""
    cost = cost_usd(model, used["input_tokens"], used["input_tokens_details"]["cached_tokens"],
                    used["output_tokens"])
    return None if cost is None else math.floor(cost * 100)
