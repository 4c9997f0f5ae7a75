"""Probes for Kubernetes: liveness (no I/O) and readiness (the database answers within 2 s)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from paybridge.bootstrap import Container
from paybridge.entrypoints.http.encoding import json_response


def routes(container: Container) -> list[Route]:
    probe = container.readiness_probe()

    async def live(request: Request) -> Response:
        return json_response({"status": "alive"})

    async def ready(request: Request) -> Response:
        checks = await probe()
        draining = bool(getattr(request.app.state, "draining", False))
        if draining:
            checks["server"] = "draining"
        ok = not draining and all(value == "healthy" for value in checks.values())
        return json_response({"ready": ok, "checks": checks}, 200 if ok else 503)

    return [
        Route("/live", live, methods=["GET"], name="live"),
        Route("/ready", ready, methods=["GET"], name="ready"),
    ]
