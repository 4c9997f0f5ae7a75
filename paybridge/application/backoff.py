"""An exponential backoff schedule with jitter, as plain arithmetic: the relay stores the result on the outbox
row (`next_attempt_at`) instead of sleeping, so a retry survives restarts and is visible to operators.

Attempt n (1-based) waits `min(max_seconds, base_seconds * 2**(n-1))` scaled by a random factor in
[0.5, 1.0] ("equal jitter"): never less than half the exponential step, so retries of many events that failed
together spread out without collapsing to zero.

With the relay's defaults (base 1 s, cap 300 s, 10 attempts) the waits after attempts 1..9 are at most
1, 2, 4, 8, 16, 32, 64, 128 and 256 s: an event that keeps failing is parked as dead after its tenth attempt,
between about 4 and 8.5 minutes after the first. A broker outage does not count (the relay claims nothing
while disconnected); only attempts that reached a connected broker, or crashed, do.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class BackoffSchedule:
    base_seconds: float = 1.0
    max_seconds: float = 300.0
    random: Callable[[], float] = field(default=random.random, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.base_seconds <= 0 or self.max_seconds < self.base_seconds:
            raise ValueError("backoff needs 0 < base_seconds <= max_seconds")

    def ceiling(self, attempt: int) -> float:
        """The un-jittered delay after failed attempt `attempt` (1-based), in seconds."""
        if attempt < 1:
            raise ValueError(f"attempt is 1-based, got {attempt}")
        exponent = min(attempt - 1, 62)  # 2**62 * base is far past any cap; avoids float overflow
        return float(min(self.max_seconds, self.base_seconds * 2.0**exponent))

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt `attempt`: between half the ceiling and the ceiling."""
        ceiling = self.ceiling(attempt)
        return ceiling / 2.0 + self.random() * ceiling / 2.0
