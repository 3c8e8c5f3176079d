"""The shared rate limit (Redis), the cost estimate and the daily budget."""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise

import pytest

from apps.ai.limits import (
    RateLimitBusy,
    budget_charge,
    budget_of,
    estimate_cost,
    estimate_tokens,
    price_of,
    reserve_slot,
)


def test_slots_are_spaced_evenly_across_callers():
    # 120 a minute: one slot every 0.5 s. Four callers at once get slots 0, 0.5, 1.0 and 1.5 s away.
    waits = [reserve_slot(max_wait_s=10, requests_per_minute=120) for _ in range(4)]
    assert waits[0] == pytest.approx(0, abs=0.05)
    for earlier, later in pairwise(waits):
        assert later - earlier == pytest.approx(0.5, abs=0.05)


def test_a_slot_too_far_away_is_not_taken():
    reserve_slot(max_wait_s=10, requests_per_minute=60)  # now
    reserve_slot(max_wait_s=10, requests_per_minute=60)  # in 1 s

    with pytest.raises(RateLimitBusy) as busy:
        reserve_slot(max_wait_s=0.5, requests_per_minute=60)  # would be in 2 s
    assert busy.value.wait_s == pytest.approx(2, abs=0.1)
    # Nothing was reserved by the refusal: the next caller still gets the 2 s slot.
    assert reserve_slot(max_wait_s=10, requests_per_minute=60) == pytest.approx(2, abs=0.1)


def test_no_limit_when_requests_per_minute_is_zero():
    assert [reserve_slot(max_wait_s=0, requests_per_minute=0) for _ in range(5)] == [0.0] * 5


def test_prices_match_the_model_or_its_longest_prefix(settings):
    settings.AI_PRICES = {"gpt-4o": [2.5, 10], "gpt-4o-mini": [0.15, 0.6]}
    settings.AI_PRICE_UNKNOWN = [1.0, 2.0]
    assert price_of("gpt-4o-mini") == (0.15, 0.6)
    assert price_of("gpt-4o-mini-2024-07-18") == (0.15, 0.6)
    assert price_of("gpt-4o-2024-11-20") == (2.5, 10)
    assert price_of("llama3.1:8b") == (1.0, 2.0)
    assert estimate_cost("gpt-4o-mini", 1_000_000, 1_000_000) == Decimal("0.75")
    assert estimate_cost("gpt-4o-mini", 1200, 300) == Decimal("0.00036")


def test_tokens_are_estimated_at_four_characters_each_when_usage_is_missing():
    assert (estimate_tokens(""), estimate_tokens("abc"), estimate_tokens("a" * 400)) == (0, 1, 100)


def test_the_daily_budget_is_per_user(settings):
    settings.AI_DAILY_BUDGET_USD = 0.01
    assert not budget_of(1).exhausted
    budget_charge(1, Decimal("0.006"))
    assert budget_of(1).spent_usd == pytest.approx(0.006) and not budget_of(1).exhausted
    budget_charge(1, Decimal("0.005"))
    assert budget_of(1).exhausted and not budget_of(2).exhausted
    settings.AI_DAILY_BUDGET_USD = 0  # no limit
    assert not budget_of(1).exhausted
