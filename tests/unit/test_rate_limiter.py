"""The in-process GCRA limiter on a fake clock: bursts, continuous refill, refusals that cost nothing, and
bounded memory. (The Redis adapter passes the same behaviour table: tests/integration/security.)"""

from __future__ import annotations

import pytest

from paybridge.adapters.ratelimit.memory import SWEEP_EVERY, InMemoryRateLimiter, gcra
from paybridge.application.ports.rate_limit import Rate


class FakeTime:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeTime:
    return FakeTime()


@pytest.fixture
def limiter(clock: FakeTime) -> InMemoryRateLimiter:
    return InMemoryRateLimiter(time_source=clock)


FIVE_PER_MINUTE = Rate(5, 60)


async def test_a_burst_of_limit_requests_then_refusal(limiter: InMemoryRateLimiter) -> None:
    decisions = [await limiter.hit("ip:a", FIVE_PER_MINUTE) for _ in range(6)]
    assert [d.allowed for d in decisions] == [True] * 5 + [False]
    assert [d.remaining for d in decisions] == [4, 3, 2, 1, 0, 0]
    assert [d.reset_seconds for d in decisions[:5]] == pytest.approx([12, 24, 36, 48, 60])
    refused = decisions[-1]
    assert refused.retry_after_seconds == pytest.approx(12)  # one interval (60 s / 5)
    assert refused.reset_seconds == pytest.approx(60)
    assert refused.limit == 5


async def test_refill_is_continuous_and_refusals_cost_nothing(
    limiter: InMemoryRateLimiter, clock: FakeTime
) -> None:
    for _ in range(5):
        assert (await limiter.hit("k", FIVE_PER_MINUTE)).allowed
    for _ in range(50):  # hammering a closed door does not push it further away
        assert not (await limiter.hit("k", FIVE_PER_MINUTE)).allowed
    clock.now += 11.9
    assert not (await limiter.hit("k", FIVE_PER_MINUTE)).allowed
    clock.now += 0.1  # exactly one interval after the burst: one more request
    admitted = await limiter.hit("k", FIVE_PER_MINUTE)
    assert admitted.allowed and admitted.remaining == 0
    assert not (await limiter.hit("k", FIVE_PER_MINUTE)).allowed


async def test_an_idle_period_restores_the_whole_quota(limiter: InMemoryRateLimiter, clock: FakeTime) -> None:
    for _ in range(5):
        await limiter.hit("k", FIVE_PER_MINUTE)
    clock.now += 60
    decisions = [await limiter.hit("k", FIVE_PER_MINUTE) for _ in range(6)]
    assert [d.allowed for d in decisions] == [True] * 5 + [False]


async def test_no_window_boundary_lets_twice_the_limit_through(
    limiter: InMemoryRateLimiter, clock: FakeTime
) -> None:
    """A fixed window admits 2x the limit around its boundary; GCRA admits limit + elapsed/interval."""
    admitted = 0
    for _ in range(200):  # 20 s of requests every 0.1 s
        admitted += (await limiter.hit("k", FIVE_PER_MINUTE)).allowed
        clock.now += 0.1
    assert admitted == 5 + 1  # the burst, plus one refilled after 12 s


async def test_keys_are_independent(limiter: InMemoryRateLimiter) -> None:
    for _ in range(5):
        await limiter.hit("ip:a", FIVE_PER_MINUTE)
    assert not (await limiter.hit("ip:a", FIVE_PER_MINUTE)).allowed
    assert (await limiter.hit("ip:b", FIVE_PER_MINUTE)).allowed
    assert (await limiter.hit("user:a", FIVE_PER_MINUTE)).allowed


async def test_idle_keys_are_forgotten(limiter: InMemoryRateLimiter, clock: FakeTime) -> None:
    for n in range(SWEEP_EVERY - 1):
        await limiter.hit(f"ip:{n}", FIVE_PER_MINUTE)
    assert len(limiter) == SWEEP_EVERY - 1
    clock.now += 13  # every key's single request has been paid back
    await limiter.hit("ip:last", FIVE_PER_MINUTE)
    assert len(limiter) == 1


async def test_memory_is_bounded_under_a_flood_of_keys(clock: FakeTime) -> None:
    limiter = InMemoryRateLimiter(time_source=clock, max_keys=100)
    for n in range(1_000):
        assert (await limiter.hit(f"ip:{n}", FIVE_PER_MINUTE)).allowed
    assert len(limiter) <= 100


def test_gcra_fractional_periods_and_single_request_limits() -> None:
    one_per_half_second = Rate(1, 0.5)
    first, tat = gcra(None, 10.0, one_per_half_second)
    assert first.allowed and first.remaining == 0 and tat == pytest.approx(10.5)
    second, unchanged = gcra(tat, 10.2, one_per_half_second)
    assert not second.allowed and unchanged is None
    assert second.retry_after_seconds == pytest.approx(0.3)
    third, _ = gcra(tat, 10.5, one_per_half_second)
    assert third.allowed


@pytest.mark.parametrize(("limit", "period"), [(0, 60), (-1, 60), (5, 0), (5, -1)])
def test_rates_must_be_positive(limit: int, period: float) -> None:
    with pytest.raises(ValueError, match="rate"):
        Rate(limit, period)


def test_rate_reads_well() -> None:
    assert str(Rate(100, 60)) == "100/60s"
    assert Rate(30, 60).interval_seconds == 2
