"""`RateLimitMiddleware` (pure ASGI): per-client-address limits on every request, per-user limits on the
routes that move money.

- Per address (`PAYBRIDGE_RATE_LIMIT_PER_IP`): every request except the probes and `/metrics` (orchestrators
  and Prometheus must never be throttled), keyed by `scope["client"]` as `TrustedProxyMiddleware` resolved
  it. IPv6 clients are keyed by their /64: one host usually owns the whole prefix.
- Per user (`PAYBRIDGE_RATE_LIMIT_PER_USER`): requests that match a money-moving route (see
  `paybridge.entrypoints.http.security.MONEY_MOVING_ROUTES`) and carry a valid bearer token; a request with
  no valid token is refused by the route itself with 401 and only counts per address.

Answers carry `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (seconds until the quota is full
again) and `RateLimit-Policy` of the tightest limit that applied; a refusal is a 429 `rate_limited`
problem with `Retry-After`, produced inside the metrics and request-context middleware, so it is counted in
`paybridge_http_requests_total`, access-logged and carries the request id. Refused requests do not use up
quota of the limit that refused them, and the route never runs.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Sequence

from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from paybridge.application.ports.metrics import SecurityMetrics
from paybridge.application.ports.rate_limit import Rate, RateLimitDecision, RateLimiter
from paybridge.application.ports.security import TokenService
from paybridge.domain.errors import PayBridgeError, TooManyRequests
from paybridge.entrypoints.http.middleware import QUIET_PATHS
from paybridge.entrypoints.http.problems import problem_response, rate_limit_headers

EXEMPT_PATHS = QUIET_PATHS  # /live, /ready, /health, /health/detailed, /metrics


def address_key(host: str) -> str:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return f"ip:{host}"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return f"ip:{address.ipv4_mapped}"
        return f"ip:{ipaddress.ip_network((address, 64), strict=False)}"
    return f"ip:{address}"


class RateLimitMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        limiter: RateLimiter,
        per_ip: Rate | None,
        per_user: Rate | None,
        money_routes: Sequence[BaseRoute],
        tokens: TokenService,
        metrics: SecurityMetrics,
        routes: Sequence[BaseRoute] = (),
    ) -> None:
        """`routes`: every route of the app, only to label a refusal with its route template (as the router
        would have) in the metrics and the access log."""
        self.app = app
        self.limiter = limiter
        self.per_ip = per_ip
        self.per_user = per_user
        self.money_routes = tuple(money_routes)
        self.tokens = tokens
        self.metrics = metrics
        self.routes = tuple(routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        applied: list[tuple[RateLimitDecision, Rate]] = []
        client = scope.get("client")
        checks: list[tuple[str, str, Rate]] = []
        if self.per_ip is not None and client:
            checks.append(("ip", address_key(client[0]), self.per_ip))
        if self.per_user is not None and self._moves_money(scope):
            user = self._user(scope)
            if user is not None:
                checks.append(("user", f"user:{user}", self.per_user))
        for limit, key, rate in checks:
            decision = await self.limiter.hit(key, rate)
            applied.append((decision, rate))
            if not decision.allowed:
                self.metrics.request_throttled(limit)
                self._label(scope)
                refusal = TooManyRequests(
                    f"too many requests; retry in {math.ceil(decision.retry_after_seconds)} s",
                    retry_after_seconds=math.ceil(decision.retry_after_seconds),
                )
                await problem_response(refusal)(scope, receive, _with_headers(send, decision, rate))
                return
        if not applied:
            await self.app(scope, receive, send)
            return
        decision, rate = min(applied, key=lambda pair: (pair[0].remaining, -pair[0].reset_seconds))
        await self.app(scope, receive, _with_headers(send, decision, rate))

    def _moves_money(self, scope: Scope) -> bool:
        return any(route.matches(scope)[0] is Match.FULL for route in self.money_routes)

    def _label(self, scope: Scope) -> None:
        for route in self.routes:
            if route.matches(scope)[0] is not Match.NONE:
                scope["route"] = route
                return

    def _user(self, scope: Scope) -> str | None:
        for name, value in scope.get("headers", []):
            if name == b"authorization":
                scheme, _, credentials = value.decode("latin-1").partition(" ")
                if scheme.lower() != "bearer" or not credentials.strip():
                    return None
                try:
                    return str(self.tokens.verify(credentials.strip()).user_id)
                except PayBridgeError:
                    return None
        return None


def _with_headers(send: Send, decision: RateLimitDecision, rate: Rate) -> Send:
    """Adds the RateLimit-* headers of `decision` unless the answer already has its own (a 429 from the
    sign-in throttle describes the limit that refused it)."""
    headers = [
        (name.lower().encode(), value.encode())
        for name, value in rate_limit_headers(
            decision.limit, decision.remaining, decision.reset_seconds, rate.period_seconds
        ).items()
    ]

    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            present = message.get("headers", [])
            if not any(name == b"ratelimit-limit" for name, _ in present):
                message["headers"] = [*present, *headers]
        await send(message)

    return send_with_headers
