"""`GET /metrics` (Prometheus text format) and the metrics work the app's lifespan runs.

The endpoint exists when metrics are enabled (PAYBRIDGE_METRICS_ENABLED) and served on the API port
(PAYBRIDGE_METRICS_ON_API_PORT; `paybridge serve --metrics-bind` serves them on a separate listener instead).
With PAYBRIDGE_METRICS_TOKEN set, a scrape must send `Authorization: Bearer <token>`, else 401.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from paybridge.bootstrap import Container
from paybridge.domain.errors import InvalidToken
from paybridge.entrypoints.http.errors import MissingCredentials
from paybridge.entrypoints.http.problems import problem_response


def routes(container: Container) -> list[Route]:
    settings = container.settings()
    exporter = container.metrics_exporter()
    if exporter is None or not settings.metrics_on_api_port:
        return []
    token = settings.metrics_token

    async def metrics(request: Request) -> Response:
        if token is not None:
            refusal = _refusal(request.headers.get("authorization", ""), token)
            if refusal is not None:
                return refusal
        body, content_type = await exporter.render()
        return Response(body, headers={"Content-Type": content_type})

    return [Route("/metrics", metrics, methods=["GET"], name="metrics")]


def _refusal(authorization: str, token: str) -> Response | None:
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return problem_response(MissingCredentials("send Authorization: Bearer <metrics token>"))
    if not hmac.compare_digest(credentials.strip().encode(), token.encode()):
        return problem_response(InvalidToken("the metrics token is not valid"))
    return None


@contextlib.asynccontextmanager
async def metrics_lifecycle(container: Container) -> AsyncIterator[None]:
    """While the app serves: keep this worker's gauges current (multiprocess mode); on shutdown, drop its
    live gauges from the aggregate of the workers."""
    exporter = container.metrics_exporter()
    if exporter is None:
        yield
        return
    refresher = asyncio.create_task(exporter.run_refresher(), name="metrics-refresh")
    try:
        yield
    finally:
        refresher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await refresher
        exporter.process_stopped()
