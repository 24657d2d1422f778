"""Request limits: a token bucket per API key, and the page-size caps.

The bucket lives in this process's memory: with `cube serve --workers N` each worker
keeps its own, so a key's effective rate is up to N times the configured one.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from pydantic import BaseModel, ConfigDict, Field

from api.errors import RateLimitedError

# Admin list pages: default and hard maximum of items per page.
DEFAULT_PAGE = 100
MAX_PAGE = 1000


class ApiLimits(BaseModel):
    """Per-key request rate: `rate_per_second` sustained, bursts up to `burst` requests."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={"examples": [{"rate_per_second": 1000.0, "burst": 2000}]},
    )

    rate_per_second: float = Field(default=1000.0, ge=0, description="0 turns limiting off.")
    burst: int = Field(default=2000, ge=1)


class RateLimiter:
    """Token buckets keyed by API key id; thread-safe (sync routes run in a thread pool)."""

    def __init__(self, limits: ApiLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key id -> (tokens, at)
        self._lock = threading.Lock()

    def take(self, key_id: str) -> None:
        """Spend one token of the key's bucket, or raise RateLimitedError with Retry-After."""
        rate = self.limits.rate_per_second
        if rate <= 0:
            return
        now = self._clock()
        with self._lock:
            tokens, at = self._buckets.get(key_id, (float(self.limits.burst), now))
            tokens = min(float(self.limits.burst), tokens + (now - at) * rate)
            if tokens < 1.0:
                self._buckets[key_id] = (tokens, now)
                raise RateLimitedError(key_id, max(1, math.ceil((1.0 - tokens) / rate)))
            self._buckets[key_id] = (tokens - 1.0, now)
