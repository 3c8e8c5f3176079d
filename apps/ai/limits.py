"""What one description may cost: the shared rate limit, the cost estimate and the daily budget.

Rate limit. AI_REQUESTS_PER_MINUTE is shared by every worker on every machine through one Redis
key. Calls are spaced evenly (a "generic cell rate" scheduler): the key holds the time of the next
free slot; each caller takes the next slot and sleeps until it comes. Reserving is one atomic Lua
script on Redis' own clock, so machines with skewed clocks still agree. A caller whose slot would
come after its deadline does not take it (see `RateLimitBusy`).

Budget. AI_DAILY_BUDGET_USD is the estimated spend per user per UTC day, in US dollars, counted in
micro-dollars in a Redis key that expires after two days. It is checked before a description
starts and charged when the provider reports its usage, so concurrent descriptions of one user
can overshoot it by at most what they cost together.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from django.conf import settings

from apps.core.redis import get_redis

RATE_KEY = "intelli:ai:rate"
BUDGET_KEY = "intelli:ai:spend:{user_id}:{day}"
BUDGET_KEY_TTL_S = 2 * 24 * 3600
MICRO = 1_000_000
CHARS_PER_TOKEN = 4  # the usual rough figure for English and Spanish text, when usage is missing

# KEYS[1] rate key; ARGV[1] interval in ms; ARGV[2] longest acceptable wait in ms.
# Returns the wait (≥ 0) for a reserved slot, or minus the wait when the slot is too far to take.
_RESERVE_SLOT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat - now
if wait > tonumber(ARGV[2]) then return -wait end
redis.call('SET', KEYS[1], tat + interval, 'PX', wait + interval + 60000)
return wait
"""


class RateLimitBusy(Exception):
    """The next free slot of the shared rate limit comes after the caller's deadline."""

    def __init__(self, wait_s: float) -> None:
        super().__init__(f"the next free slot is {wait_s:.1f} s away")
        self.wait_s = wait_s


def reserve_slot(*, max_wait_s: float, requests_per_minute: int | None = None) -> float:
    """Take the next slot of the shared rate limit; return how long to sleep before using it.

    Raises `RateLimitBusy` (taking nothing) when that is longer than `max_wait_s`.
    """
    rpm = settings.AI_REQUESTS_PER_MINUTE if requests_per_minute is None else requests_per_minute
    if rpm <= 0:
        return 0.0
    interval_ms = max(1, round(60_000 / rpm))
    waited = int(get_redis().eval(_RESERVE_SLOT, 1, RATE_KEY, interval_ms, max(0, int(max_wait_s * 1000))))
    if waited < 0:
        raise RateLimitBusy(-waited / 1000)
    return waited / 1000


# --- Cost ------------------------------------------------------------------------------------------


def price_of(model: str) -> tuple[float, float]:
    """USD per million (input, output) tokens: the exact model, else the longest listed prefix
    ("gpt-4o-mini-2024-07-18" is priced as "gpt-4o-mini"), else AI_PRICE_UNKNOWN."""
    prices: dict[str, list[float]] = settings.AI_PRICES
    if model in prices:
        p_in, p_out = prices[model]
        return float(p_in), float(p_out)
    matches = [name for name in prices if model.startswith(name)]
    if matches:
        p_in, p_out = prices[max(matches, key=len)]
        return float(p_in), float(p_out)
    p_in, p_out = settings.AI_PRICE_UNKNOWN
    return float(p_in), float(p_out)


def estimate_cost(model: str, tokens_in: int, tokens_out: int) -> Decimal:
    p_in, p_out = price_of(model)
    return Decimal(str(round((tokens_in * p_in + tokens_out * p_out) / MICRO, 6)))


def estimate_tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / CHARS_PER_TOKEN)) if text else 0


# --- Budget ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Budget:
    limit_usd: float  # 0: no limit
    spent_usd: float

    @property
    def exhausted(self) -> bool:
        return self.limit_usd > 0 and self.spent_usd >= self.limit_usd


def _budget_key(user_id: int, now: datetime | None = None) -> str:
    day = (now or datetime.now(UTC)).strftime("%Y-%m-%d")
    return BUDGET_KEY.format(user_id=user_id, day=day)


def budget_of(user_id: int | None) -> Budget:
    limit = float(settings.AI_DAILY_BUDGET_USD)
    if user_id is None or limit <= 0:
        return Budget(limit_usd=0.0, spent_usd=0.0)
    spent = int(get_redis().get(_budget_key(user_id)) or 0)
    return Budget(limit_usd=limit, spent_usd=spent / MICRO)


def budget_charge(user_id: int | None, cost_usd: Decimal) -> None:
    if user_id is None or cost_usd <= 0:
        return
    key = _budget_key(user_id)
    pipe = get_redis().pipeline()
    pipe.incrby(key, int(cost_usd * MICRO))
    pipe.expire(key, BUDGET_KEY_TTL_S)
    pipe.execute()
