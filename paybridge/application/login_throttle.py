"""Throttling sign-in attempts against password guessing.

Every attempt on `POST /auth/token` counts — successful or not, for a known email or not — against two
limits before the password is even checked: one per client address (`login_rate_per_ip`) and one per account
(`login_rate_per_account`, keyed by a digest of the normalised email so that no email reaches the limiter's
store). Counting before verification keeps the check atomic: concurrent guesses cannot slip through while
earlier ones are still being verified. The per-address limit is checked first, so one address cannot use up
an account's attempts beyond its own allowance.

Refusals are `TooManyRequests` (429 with Retry-After); they and wrong passwords are reported to
`SecurityMetrics.login_failed` (`rate_limited`, `invalid_credentials`).
"""

from __future__ import annotations

import hashlib
import math

from paybridge.application.ports.metrics import SecurityMetrics
from paybridge.application.ports.rate_limit import Rate, RateLimiter
from paybridge.domain.errors import TooManyRequests


class LoginThrottle:
    def __init__(
        self,
        limiter: RateLimiter,
        per_ip: Rate | None,
        per_account: Rate | None,
        metrics: SecurityMetrics,
    ) -> None:
        self._limiter = limiter
        self._per_ip = per_ip
        self._per_account = per_account
        self._metrics = metrics

    async def attempt(self, normalized_email: str, client: str | None) -> None:
        """Counts one attempt; raises TooManyRequests when either limit is exhausted."""
        if self._per_ip is not None and client:
            await self._check(f"login:ip:{client}", self._per_ip, "login_ip")
        if self._per_account is not None:
            digest = hashlib.sha256(normalized_email.encode()).hexdigest()[:40]
            await self._check(f"login:account:{digest}", self._per_account, "login_account")

    def failed(self) -> None:
        """The attempt was let through and the credentials were wrong."""
        self._metrics.login_failed("invalid_credentials")

    async def _check(self, key: str, rate: Rate, limit: str) -> None:
        decision = await self._limiter.hit(key, rate)
        if decision.allowed:
            return
        self._metrics.login_failed("rate_limited")
        self._metrics.request_throttled(limit)
        raise TooManyRequests(
            "too many sign-in attempts; wait before trying again",
            retry_after_seconds=math.ceil(decision.retry_after_seconds),
            limit=rate.limit,
            period_seconds=rate.period_seconds,
            reset_seconds=decision.reset_seconds,
        )
