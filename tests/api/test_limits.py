"""The per-key token bucket, on a hand-moved clock."""

from __future__ import annotations

import pytest

from api.errors import RateLimitedError
from api.limits import ApiLimits, RateLimiter


class Ticks:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_then_the_sustained_rate() -> None:
    ticks = Ticks()
    limiter = RateLimiter(ApiLimits(rate_per_second=2, burst=2), clock=ticks)
    limiter.take("k")
    limiter.take("k")
    with pytest.raises(RateLimitedError) as refused:
        limiter.take("k")
    assert refused.value.retry_after == 1
    limiter.take("other")  # buckets are per key
    ticks.now += 0.5  # one token back at 2 per second
    limiter.take("k")
    with pytest.raises(RateLimitedError):
        limiter.take("k")


def test_retry_after_rounds_up_to_whole_seconds() -> None:
    ticks = Ticks()
    limiter = RateLimiter(ApiLimits(rate_per_second=0.25, burst=1), clock=ticks)
    limiter.take("k")
    ticks.now += 1.0
    with pytest.raises(RateLimitedError) as refused:
        limiter.take("k")
    assert refused.value.retry_after == 3  # 0.25 of a token back, 0.75 to go at 0.25/s
    assert str(refused.value) == "key 'k' is over its request rate; retry in 3s"


def test_a_zero_rate_turns_limiting_off() -> None:
    limiter = RateLimiter(ApiLimits(rate_per_second=0, burst=1))
    for _ in range(100):
        limiter.take("k")
