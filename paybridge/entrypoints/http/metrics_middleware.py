"""Pure-ASGI middleware reporting every HTTP request to the `HttpMetrics` port.

It is the outermost user middleware, outside `RequestContextMiddleware`, so the answers produced by
middleware and exception handlers — 500 for a crash, 401/404/405/413 problems — are counted like any other.
A request whose exception escapes every handler is counted as 500, the status Starlette's error
middleware then sends. `/metrics` itself is never counted (scrapes would dominate the series).

Labels stay bounded whatever clients send:
- `path` is the route template the router matched, with Starlette's convertors stripped so it reads like
  the OpenAPI path — `/api/v1/wallets/{wallet_id}`, not `/api/v1/wallets/{wallet_id:uuid}` and never the raw
  URL — or `unmatched`. The router writes the matched route into the scope dict it shares with every
  middleware (`scope["route"]`, also on a 405), so it is visible here once the request was handled.
- `method` is one of the standard methods, else `OTHER`.
"""

from __future__ import annotations

import re
import time
from functools import lru_cache

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from paybridge.application.ports.metrics import HttpMetrics
from paybridge.entrypoints.http.middleware import route_template

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
NOT_COUNTED = frozenset({"/metrics"})
_CONVERTOR = re.compile(r"{(\w+):\w+}")


@lru_cache(maxsize=256)  # keyed by route templates: a bounded set
def path_label(template: str) -> str:
    """`/api/v1/wallets/{wallet_id:uuid}` -> `/api/v1/wallets/{wallet_id}`."""
    return _CONVERTOR.sub(r"{\1}", template)


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in NOT_COUNTED:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        size = 0

        async def counting_send(message: Message) -> None:
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
            await send(message)

        self.metrics.request_started()
        try:
            await self.app(scope, receive, counting_send)
        finally:
            method = str(scope.get("method", "")).upper()
            self.metrics.request_finished(
                method if method in METHODS else "OTHER",
                path_label(route_template(scope)),
                status,
                time.perf_counter() - started,
                size,
            )
