"""Probes and health reports.

- `GET /live`: 200 `{status: "alive"}`, no I/O (a process that answers is alive).
- `GET /ready`: 200 `{ready: true, checks: {database, migrations}}`; 503 when the database does not answer a
  ping within 2 s, when its schema is behind the migrations on disk, or while the server drains on shutdown.
- `GET /health`: 200 `{status: "healthy", version, uptime_seconds}`; 503 `status: "unhealthy"` (with the
  failing `checks`) when a component check fails. Draining is not ill health: it only fails readiness.
- `GET /health/detailed`: the same status plus every check, pool statistics, migration version and pending
  list, and the outbox backlog; 503 whenever `status` is "unhealthy" — never a 200 that says unhealthy.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from paybridge.application.health import DetailedHealth, HealthReport
from paybridge.bootstrap import Container
from paybridge.entrypoints.http.encoding import json_response


def routes(container: Container) -> list[Route]:
    health = container.health()

    async def live(request: Request) -> Response:
        return json_response({"status": "alive"})

    async def ready(request: Request) -> Response:
        report = await health.readiness(draining=_draining(request))
        return json_response({"ready": report.ok, "checks": report.details()}, _status(report))

    async def summary(request: Request) -> Response:
        report = await health.components()
        body: dict[str, Any] = {
            "status": _word(report),
            "version": health.version,
            "uptime_seconds": health.uptime_seconds,
        }
        if not report.ok:
            body["checks"] = report.details()
        return json_response(body, _status(report))

    async def detailed(request: Request) -> Response:
        details = await health.detailed()
        return json_response(_detailed_body(details, _draining(request)), _status(details.report))

    return [
        Route("/live", live, methods=["GET"], name="live"),
        Route("/ready", ready, methods=["GET"], name="ready"),
        Route("/health", summary, methods=["GET"], name="health"),
        Route("/health/detailed", detailed, methods=["GET"], name="health_detailed"),
    ]


def _draining(request: Request) -> bool:
    return bool(getattr(request.app.state, "draining", False))


def _status(report: HealthReport) -> int:
    return 200 if report.ok else 503


def _word(report: HealthReport) -> str:
    return "healthy" if report.ok else "unhealthy"


def _detailed_body(details: DetailedHealth, draining: bool) -> dict[str, Any]:
    migrations = details.report.migrations
    pool = details.pool
    outbox = details.outbox
    return {
        "status": _word(details.report),
        "version": details.version,
        "uptime_seconds": details.uptime_seconds,
        "draining": draining,
        "checks": details.report.details(),
        "pool": None
        if pool is None
        else {
            "total": pool.total,
            "idle": pool.idle,
            "in_use": pool.in_use,
            "max": pool.max,
            "waiting": pool.waiting,
        },
        "migrations": {
            "status": details.report.checks["migrations"].detail,
            "version": None if migrations is None else migrations.version,
            "pending": None if migrations is None else list(migrations.pending),
        },
        "outbox": None
        if outbox is None
        else {
            "pending": outbox.pending,
            "oldest_pending_age_seconds": outbox.oldest_pending_age_seconds,
            "dead": outbox.dead,
        },
    }
