"""`InMemoryRateLimiter`: GCRA counts in this process's memory.

Each key stores one float, its theoretical arrival time (TAT) on the monotonic clock. A check and its update
run without an `await` in between, so they are atomic on the event loop. With several worker processes each
counts on its own: the effective limit is then `limit * workers` — use `RedisRateLimiter` for exact limits
across processes and replicas.

Memory is bounded: keys whose TAT has passed are as good as absent and are swept every `SWEEP_EVERY` hits;
should the active keys still exceed `max_keys` (a flood of distinct addresses), the oldest half is dropped
(those clients start afresh — a degradation in their favour, never a wrongful refusal).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from paybridge.application.ports.rate_limit import Rate, RateLimitDecision

SWEEP_EVERY = 1024
_EPSILON = 1e-9


def gcra(stored_tat: float | None, now: float, rate: Rate) -> tuple[RateLimitDecision, float | None]:
    """One request at `now` against a key whose TAT is `stored_tat` (None: unknown key). Returns the
    decision and the TAT to store (None when refused: nothing changes). The Redis adapter's Lua script is
    the same computation in microseconds."""
    interval = rate.interval_seconds
    tat = now if stored_tat is None or stored_tat < now else stored_tat
    new_tat = tat + interval
    allow_at = new_tat - rate.period_seconds
    if allow_at - now > _EPSILON:
        return RateLimitDecision(False, rate.limit, 0, tat - now, allow_at - now), None
    remaining = int((rate.period_seconds - (new_tat - now)) / interval + _EPSILON)
    return RateLimitDecision(True, rate.limit, max(remaining, 0), new_tat - now, 0.0), new_tat


class InMemoryRateLimiter:
    def __init__(self, time_source: Callable[[], float] = time.monotonic, max_keys: int = 100_000) -> None:
        self._time = time_source
        self._max_keys = max_keys
        self._tats: dict[str, float] = {}
        self._hits = 0

    async def hit(self, key: str, rate: Rate) -> RateLimitDecision:
        return self.hit_now(key, rate)

    def hit_now(self, key: str, rate: Rate) -> RateLimitDecision:
        """The synchronous core of `hit` (also the Redis adapter's fallback)."""
        now = self._time()
        decision, tat = gcra(self._tats.get(key), now, rate)
        if tat is not None:
            self._tats[key] = tat
            self._hits += 1
            if self._hits % SWEEP_EVERY == 0 or len(self._tats) > self._max_keys:
                self._sweep(now)
        return decision

    async def close(self) -> None:
        return None

    def __len__(self) -> int:
        return len(self._tats)

    def _sweep(self, now: float) -> None:
        self._tats = {key: tat for key, tat in self._tats.items() if tat > now}
        if len(self._tats) > self._max_keys:
            keep = list(self._tats.items())[len(self._tats) // 2 :]
            self._tats = dict(keep)
