"""The rate-limiting port: how many requests a key (an IP address, a user, an account) may make per period.

Adapters implement the generic cell rate algorithm (GCRA), a token bucket stored as one number per key — the
"theoretical arrival time" (TAT) of the next request:

- a `Rate` of `limit` requests per `period_seconds` admits one request every `period / limit` seconds on
  average, with bursts of up to `limit` requests;
- the bucket refills continuously (no window boundary where twice the limit gets through), and a key that
  was idle for a whole period is as good as new (adapters may forget it).

`InMemoryRateLimiter` counts per process; `RedisRateLimiter` shares the counts of every replica through one
atomic Lua script, so a limit holds across the whole deployment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Rate:
    """`limit` requests per `period_seconds` (e.g. `Rate(100, 60)` is 100 per minute)."""

    limit: int
    period_seconds: float

    def __post_init__(self) -> None:
        if self.limit < 1 or self.period_seconds <= 0:
            raise ValueError(f"a rate needs a limit >= 1 and a positive period, got {self}")

    @property
    def interval_seconds(self) -> float:
        """The average time between two admitted requests."""
        return self.period_seconds / self.limit

    def __str__(self) -> str:
        return f"{self.limit}/{self.period_seconds:g}s"


@dataclass(frozen=True, slots=True)
class RateLimitDecision:
    """The outcome of one request against one limit (the values of the `RateLimit-*` headers)."""

    allowed: bool
    limit: int
    remaining: int
    """Requests that would still be admitted right now (0 when refused)."""
    reset_seconds: float
    """Seconds until the quota is entirely available again."""
    retry_after_seconds: float
    """Seconds until a refused request would be admitted (0 when allowed)."""


class RateLimiter(Protocol):
    async def hit(self, key: str, rate: Rate) -> RateLimitDecision:
        """Counts one request for `key` under `rate` when it is admitted; a refused request is not counted
        (a client hammering a closed door does not push the door further away). Atomic: concurrent calls
        for one key — from any process sharing the adapter's store — never admit more than `rate` allows.
        Keys are opaque strings; the caller namespaces them (`ip:…`, `user:…`). Never raises for a storage
        outage: an adapter degrades (e.g. to per-process counting) and logs it."""

    async def close(self) -> None:
        """Releases connections (no-op for in-process adapters)."""
