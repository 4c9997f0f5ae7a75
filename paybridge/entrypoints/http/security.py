"""The security middleware of the HTTP edge, in the order requests pass through them:

    MetricsMiddleware            (outermost: counts every answer, 429s included)
    TrustedProxyMiddleware       (`outer_middleware`; only with PAYBRIDGE_TRUSTED_PROXIES)
    RequestContextMiddleware     (request ids, access log, security headers, last-resort 500)
    CORSMiddleware               (`inner_middleware`; only with PAYBRIDGE_CORS_ORIGINS; outside the limiter
                                  so that a browser can read a 429)
    RateLimitMiddleware          (per address; per user on MONEY_MOVING_ROUTES)
    router

`MONEY_MOVING_ROUTES` names every route that moves, reserves or converts money; the per-user limit applies
to them. The authorization matrix test (tests/integration/test_authorization_matrix.py) declares for every
route whether it moves money and fails when this set disagrees, so a new route cannot escape the limit.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import BaseRoute, Route

from paybridge.bootstrap import Container
from paybridge.entrypoints.http.client_ip import TrustedProxyMiddleware
from paybridge.entrypoints.http.rate_limit import RateLimitMiddleware

MONEY_MOVING_ROUTES = frozenset(
    {
        "deposit",
        "withdraw",
        "transfer",
        "place_hold",
        "capture_hold",
        "void_hold",
        "reverse_transaction",
        "exchange",
    }
)

CORS_ALLOWED_HEADERS = (
    "Authorization",
    "Content-Type",
    "Idempotency-Key",
    "X-Request-ID",
    "X-Correlation-ID",
)
CORS_EXPOSED_HEADERS = (
    "X-Request-ID",
    "X-Correlation-ID",
    "Location",
    "Idempotent-Replayed",
    "Retry-After",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
    "RateLimit-Policy",
)
CORS_MAX_AGE_SECONDS = 600


def money_moving(routes: Sequence[BaseRoute]) -> list[Route]:
    return [route for route in routes if isinstance(route, Route) and route.name in MONEY_MOVING_ROUTES]


def outer_middleware(container: Container) -> list[Middleware]:
    """Between the metrics middleware and the request context: resolves the client behind trusted proxies."""
    trusted = container.settings().security.trusted_proxies
    return [Middleware(TrustedProxyMiddleware, trusted=trusted)] if trusted else []


def inner_middleware(container: Container, routes: Sequence[BaseRoute]) -> list[Middleware]:
    """Inside the request context: CORS (when origins are configured), then the rate limits."""
    security = container.settings().security
    middleware = []
    if security.cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(security.cors_origins),
                allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                allow_headers=list(CORS_ALLOWED_HEADERS),
                expose_headers=list(CORS_EXPOSED_HEADERS),
                allow_credentials=False,  # bearer tokens, never cookies
                max_age=CORS_MAX_AGE_SECONDS,
            )
        )
    if security.rate_per_ip is not None or security.rate_per_user is not None:
        middleware.append(
            Middleware(
                RateLimitMiddleware,
                limiter=container.rate_limiter(),
                per_ip=security.rate_per_ip,
                per_user=security.rate_per_user,
                money_routes=money_moving(routes),
                tokens=container.tokens(),
                metrics=container.security_metrics(),
                routes=routes,
            )
        )
    return middleware
