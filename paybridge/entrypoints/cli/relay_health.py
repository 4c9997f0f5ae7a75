"""The relay's tiny HTTP listener (`paybridge relay --health-bind HOST:PORT`), for Kubernetes probes and
Prometheus, served by hypercorn in the relay's own event loop:

- `GET /live`: 200 `{"status": "alive"}` without I/O — answering at all proves the event loop turns;
- `GET /ready`: 200 `{"ready": true, "checks": {...}}` when the database answers a ping within 2 s and NATS
  is connected; 503 otherwise, and from the moment a shutdown signal arrived;
- `GET /metrics`: the relay's own registry (`paybridge_outbox_*`) in the Prometheus text format.

The listening socket is bound before the relay starts, so a taken port fails the start at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from hypercorn.app_wrappers import ASGIWrapper
from hypercorn.asyncio.run import worker_serve
from hypercorn.config import Config, Sockets
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from paybridge.application.use_cases.outbox_maintenance import RelayReadiness

logger = logging.getLogger("paybridge.relay")
Readiness = Callable[[bool], Awaitable[RelayReadiness]]
MetricsRenderer = Callable[[], tuple[bytes, str]]


def health_app(readiness: Readiness, render_metrics: MetricsRenderer, stopping: asyncio.Event) -> Starlette:
    async def live(request: Request) -> Response:
        return JSONResponse({"status": "alive"})

    async def ready(request: Request) -> Response:
        report = await readiness(stopping.is_set())
        return JSONResponse({"ready": report.ok, "checks": report.checks}, 200 if report.ok else 503)

    async def metrics(request: Request) -> Response:
        body, content_type = render_metrics()
        return PlainTextResponse(body, media_type=content_type)

    return Starlette(
        routes=[
            Route("/live", live, methods=["GET"]),
            Route("/ready", ready, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
        ]
    )


class RelayHealthListener:
    def __init__(
        self, bind: str, readiness: Readiness, render_metrics: MetricsRenderer, stopping: asyncio.Event
    ) -> None:
        self._config = Config()
        self._config.bind = [bind]
        self._config.accesslog = None
        self._config.errorlog = logging.getLogger("hypercorn.error")
        self._config.graceful_timeout = 2.0
        self._app = health_app(readiness, render_metrics, stopping)
        self._bind = bind
        self._sockets: Sockets | None = None
        self._shutdown = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def bind(self) -> None:
        """Binds the listening socket now (raises OSError when the address is taken)."""
        self._sockets = self._config.create_sockets()

    async def start(self) -> None:
        if self._sockets is None:
            self.bind()
        self._task = asyncio.create_task(
            worker_serve(
                ASGIWrapper(self._app),  # type: ignore[arg-type]  # Starlette is an ASGI app; the stubs differ
                self._config,
                sockets=self._sockets,
                shutdown_trigger=self._shutdown.wait,
            ),
            name="relay-health",
        )
        logger.info("relay health listener started", extra={"bind": self._bind})

    async def stop(self) -> None:
        self._shutdown.set()
        task, self._task = self._task, None
        if task is not None:
            try:
                async with asyncio.timeout(5.0):
                    await task
            except TimeoutError:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            except Exception:
                logger.exception("relay health listener failed")
