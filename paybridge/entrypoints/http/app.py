"""The Starlette application: routes, middleware, error handlers and lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Route

from paybridge.bootstrap import Container, start, stop
from paybridge.domain.errors import PayBridgeError
from paybridge.entrypoints.http.errors import MethodNotAllowed, PayloadTooLarge, RouteNotFound
from paybridge.entrypoints.http.metrics_middleware import MetricsMiddleware
from paybridge.entrypoints.http.middleware import RequestContextMiddleware
from paybridge.entrypoints.http.openapi import openapi_route
from paybridge.entrypoints.http.problems import problem_response
from paybridge.entrypoints.http.routes import (
    account,
    admin,
    exchanges,
    health,
    holds,
    metrics,
    money,
    reversals,
    transactions,
    users,
    wallets,
)
from paybridge.entrypoints.http.security import inner_middleware, outer_middleware

logger = logging.getLogger(__name__)


async def _domain_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, PayBridgeError):  # pragma: no cover - registered for PayBridgeError only
        raise exc
    return problem_response(exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, HTTPException):  # pragma: no cover - registered for HTTPException only
        raise exc
    if exc.status_code == 404:
        return problem_response(RouteNotFound(f"no endpoint at {request.url.path}"))
    if exc.status_code == 405:
        response = problem_response(
            MethodNotAllowed(f"{request.method} is not allowed on {request.url.path}")
        )
        response.headers["Allow"] = ", ".join(_allowed_methods(request))
        return response
    if exc.status_code == 413:
        return problem_response(PayloadTooLarge(exc.detail))
    raise exc


def _allowed_methods(request: Request) -> list[str]:
    """Every method any route serves at this path (one path may be served by several routes)."""
    scope = {**request.scope, "method": "OPTIONS-PROBE"}
    methods: set[str] = set()
    for route in request.app.routes:
        if isinstance(route, Route) and route.methods and route.matches(scope)[0] is not Match.NONE:
            methods |= route.methods
    return sorted(methods)


def build_routes(container: Container) -> list[BaseRoute]:
    api = [
        *users.routes(container),
        *wallets.routes(container),
        *money.routes(container),
        *transactions.routes(container),
        *account.routes(container),
        *holds.routes(container),
        *reversals.routes(container),
        *exchanges.routes(container),
        *admin.routes(container),
    ]
    return [*health.routes(container), *metrics.routes(container), *api]


async def _purge_expired_rows(container: Container) -> None:
    """Every PAYBRIDGE_IDEMPOTENCY_PURGE_INTERVAL_SECONDS: expired idempotency keys, then exchange quotes
    past their retention. Each purge's failure is logged and retried at the next interval on its own."""
    interval = container.settings().idempotency_purge_interval_seconds
    purges = (
        ("idempotency key", container.purge_idempotency_keys()),
        ("exchange quote", container.purge_expired_quotes()),
    )
    while True:
        await asyncio.sleep(interval)
        for what, purge in purges:
            try:
                await purge()
            except Exception:
                logger.exception("%s purge failed; retrying after the next interval", what)


def _metrics_middleware(container: Container) -> list[Middleware]:
    """Outermost, so answers produced by the middleware below it (500 for a crash, problems) are counted."""
    if not container.settings().metrics_enabled:
        return []
    return [Middleware(MetricsMiddleware, metrics=container.http_metrics())]


def freeze_startup_heap() -> None:
    """Moves every object alive after start-up (modules, the container, the app, compiled schemas and
    regular expressions) out of the garbage collector's reach. CPython's full collections otherwise walk
    all of them again and again under load: at c=16 those pauses made the transfers' p99 84 ms; with the
    start-up heap frozen it was 48 ms at the same throughput (docs/performance.md). For a serving process
    only: objects frozen here are never collected, which a process that builds many apps should not do."""
    gc.collect()
    gc.freeze()


def create_app(container: Container, manage_lifecycle: bool = True, freeze_heap: bool = False) -> Starlette:
    """The ASGI app. With `manage_lifecycle`, its lifespan opens and closes the container's resources and
    runs the background purge of expired idempotency keys and exchange quotes; with `freeze_heap` (a serving
    process), it then freezes the start-up heap (`freeze_startup_heap`)."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if manage_lifecycle:
            await start(container)
        if freeze_heap:
            freeze_startup_heap()
        purger = asyncio.create_task(_purge_expired_rows(container), name="expired-rows-purge")
        try:
            async with metrics.metrics_lifecycle(container):
                yield
        finally:
            app.state.draining = True
            purger.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await purger
            if manage_lifecycle:
                await stop(container)

    routes = build_routes(container)
    app = Starlette(
        routes=[*routes, openapi_route(routes)],
        middleware=[
            *_metrics_middleware(container),
            *outer_middleware(container),  # trusted proxies (docs/security.md)
            Middleware(RequestContextMiddleware),
            *inner_middleware(container, routes),  # CORS, rate limits
        ],
        exception_handlers={PayBridgeError: _domain_error, HTTPException: _http_error},
        lifespan=lifespan,
    )
    app.router.redirect_slashes = False  # `/wallets/` is a 404 problem, not a redirect that re-sends a POST
    app.state.container = container
    app.state.draining = False
    return app
