"""`RedisRateLimiter`: GCRA counts shared by every replica through Redis (redis-py asyncio).

One Lua script reads the key's theoretical arrival time (TAT), decides and writes the new TAT atomically
(Redis runs a script without interleaving other commands), with Redis's own clock (`TIME`), so replicas
with skewed clocks still agree. Times are integer microseconds; a key expires once its TAT has passed,
so idle clients cost no memory. Needs Redis >= 5 (scripts replicated by effects, which `TIME` requires).

If Redis cannot be reached or answers an error, the request is decided by an in-process limiter instead
(per-replica limits: degraded, never wide open) and a warning is logged at most every 30 s; Redis is not
asked again for `retry_seconds`, so an outage costs one timeout, not one per request.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import Any

from redis import asyncio as aioredis
from redis.exceptions import RedisError

from paybridge.adapters.ratelimit.memory import InMemoryRateLimiter
from paybridge.application.ports.rate_limit import Rate, RateLimitDecision

logger = logging.getLogger(__name__)
DEFAULT_KEY_PREFIX = "paybridge:ratelimit:"
WARN_EVERY_SECONDS = 30.0

# KEYS[1] = key; ARGV[1] = period (µs), ARGV[2] = limit. Returns {allowed, remaining, reset µs, retry µs};
# fractional values travel as strings (Redis truncates Lua numbers to integers).
GCRA_SCRIPT = """
local period = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local interval = period / limit
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - period
if allow_at - now > 0.001 then
  return {0, 0, tostring(tat - now), tostring(allow_at - now)}
end
redis.call('SET', KEYS[1], tostring(new_tat), 'PX', math.max(1, math.ceil((new_tat - now) / 1000)))
local remaining = math.floor((period - (new_tat - now)) / interval + 0.000001)
return {1, remaining, tostring(new_tat - now), '0'}
"""


class RedisRateLimiter:
    def __init__(
        self,
        url: str,
        key_prefix: str = DEFAULT_KEY_PREFIX,
        timeout_seconds: float = 0.5,
        retry_seconds: float = 5.0,
        fallback: InMemoryRateLimiter | None = None,
        time_source: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client: Any = aioredis.Redis.from_url(
            url, socket_timeout=timeout_seconds, socket_connect_timeout=timeout_seconds
        )
        self._script = self._client.register_script(GCRA_SCRIPT)
        self._fallback = fallback or InMemoryRateLimiter()
        self._retry_seconds = retry_seconds
        self._prefix = key_prefix
        self._time = time_source
        self._down_until = 0.0
        self._warned_at = -math.inf

    async def hit(self, key: str, rate: Rate) -> RateLimitDecision:
        if self._time() < self._down_until:
            return self._fallback.hit_now(key, rate)
        try:
            allowed, remaining, reset, retry = await self._script(
                keys=[self._prefix + key], args=[round(rate.period_seconds * 1_000_000), rate.limit]
            )
        except (RedisError, OSError) as error:
            self._degrade(error)
            return self._fallback.hit_now(key, rate)
        return RateLimitDecision(
            allowed=bool(int(allowed)),
            limit=rate.limit,
            remaining=max(int(remaining), 0),
            reset_seconds=float(reset) / 1_000_000,
            retry_after_seconds=float(retry) / 1_000_000,
        )

    async def ping(self) -> bool:
        """True when Redis answers (for health reports and tests)."""
        try:
            return bool(await self._client.ping())
        except (RedisError, OSError):
            return False

    async def close(self) -> None:
        await self._client.aclose()

    def _degrade(self, error: Exception) -> None:
        now = self._time()
        self._down_until = now + self._retry_seconds
        if now - self._warned_at >= WARN_EVERY_SECONDS:
            self._warned_at = now
            logger.warning(
                "rate limiter: Redis unavailable; counting in this process until it answers",
                extra={"error_type": type(error).__name__, "error": str(error)},
            )
