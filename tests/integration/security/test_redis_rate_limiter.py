"""`RedisRateLimiter` on a real Redis: the same behaviour as the in-process limiter, atomic across
connections (replicas), keys that expire, and degradation to per-process counting when Redis is away."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from paybridge.adapters.ratelimit.memory import InMemoryRateLimiter
from paybridge.adapters.ratelimit.redis import RedisRateLimiter
from paybridge.application.ports.rate_limit import Rate, RateLimiter
from tests.integration.security.conftest import AppClient
from tests.support.redis_server import unique_prefix
from tests.support.server import free_port

pytestmark = pytest.mark.integration

FIVE_PER_MINUTE = Rate(5, 60)


@pytest.fixture(params=["memory", "redis"])
async def limiter(request: pytest.FixtureRequest, redis_url: str) -> AsyncIterator[RateLimiter]:
    adapter: RateLimiter = (
        InMemoryRateLimiter() if request.param == "memory" else RedisRateLimiter(redis_url, unique_prefix())
    )
    yield adapter
    await adapter.close()


async def test_both_adapters_decide_alike(limiter: RateLimiter) -> None:
    decisions = [await limiter.hit("ip:a", FIVE_PER_MINUTE) for _ in range(7)]
    assert [d.allowed for d in decisions] == [True] * 5 + [False] * 2
    assert [d.remaining for d in decisions] == [4, 3, 2, 1, 0, 0, 0]
    assert [round(d.reset_seconds) for d in decisions[:5]] == [12, 24, 36, 48, 60]
    assert decisions[5].retry_after_seconds == pytest.approx(12, abs=0.5)
    assert decisions[6].retry_after_seconds <= decisions[5].retry_after_seconds  # refusals cost nothing
    assert (await limiter.hit("ip:b", FIVE_PER_MINUTE)).allowed


async def test_quota_refills(limiter: RateLimiter) -> None:
    fast = Rate(2, 0.4)
    assert [(await limiter.hit("k", fast)).allowed for _ in range(3)] == [True, True, False]
    await asyncio.sleep(0.45)
    assert [(await limiter.hit("k", fast)).allowed for _ in range(3)] == [True, True, False]


async def test_atomic_across_replicas(redis_url: str) -> None:
    """Ten connections (think: replicas) race for one key: exactly the limit gets through. The replicas wait
    for Redis up to 10 s instead of the shipped 0.5 s: opening 100 connections at once on a loaded machine
    can take longer, and a timeout would switch a replica to counting in-process (tested apart below) — this
    test is about atomicity, not about the fallback."""
    prefix = unique_prefix()
    replicas = [RedisRateLimiter(redis_url, prefix, timeout_seconds=10.0) for _ in range(10)]
    try:
        decisions = await asyncio.gather(
            *(replicas[n % 10].hit("ip:shared", Rate(10, 60)) for n in range(100))
        )
        assert sum(d.allowed for d in decisions) == 10
    finally:
        for replica in replicas:
            await replica.close()


async def test_counters_expire_and_refusals_do_not_extend_them(redis_url: str) -> None:
    prefix = unique_prefix()
    limiter = RedisRateLimiter(redis_url, prefix)
    client = aioredis.Redis.from_url(redis_url)
    try:
        for _ in range(30):
            await limiter.hit("ip:x", FIVE_PER_MINUTE)
        assert 59_000 < await client.pttl(f"{prefix}ip:x") <= 60_000
        await limiter.hit("ip:y", Rate(3, 0.2))
        await asyncio.sleep(0.3)
        assert await client.exists(f"{prefix}ip:y") == 0  # idle clients cost no memory
    finally:
        await limiter.close()
        await client.aclose()


async def test_an_unreachable_redis_degrades_to_counting_in_process(caplog: pytest.LogCaptureFixture) -> None:
    password = "redis-password-never-logged-8c1f"
    limiter = RedisRateLimiter(
        f"redis://:{password}@127.0.0.1:{free_port()}/0", unique_prefix(), timeout_seconds=0.2
    )
    try:
        with caplog.at_level(logging.WARNING):
            decisions = [await limiter.hit("ip:a", Rate(3, 60)) for _ in range(5)]
        assert [d.allowed for d in decisions] == [True, True, True, False, False]  # degraded, not wide open
        warnings = [r for r in caplog.records if "Redis unavailable" in r.getMessage()]
        assert len(warnings) == 1  # once, not once per request
        assert password not in caplog.text
    finally:
        await limiter.close()


async def test_two_apps_sharing_redis_share_the_limit(app_client: AppClient, redis_url: str) -> None:
    """Two replicas of the app (in-process) on one Redis: the limit holds for their sum."""
    shared = {"redis_url": redis_url, "redis_key_prefix": unique_prefix(), "rate_per_ip": Rate(6, 60)}
    async with app_client(**shared) as first, app_client(**shared) as second:
        statuses = [
            (await (first if n % 2 else second).http.get("/api/v1/wallets")).status_code for n in range(12)
        ]
        assert statuses.count(401) == 6 and statuses.count(429) == 6
        assert statuses[:6] == [401] * 6
