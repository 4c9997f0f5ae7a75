"""Pure-ASGI middleware (BaseHTTPMiddleware would break contextvars): request context, access log,
security headers and the last-resort 500 problem for a crash."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import MutableMapping
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from paybridge.application.context import RequestContext, current_context, enter_context, exit_context
from paybridge.entrypoints.http.errors import InternalError
from paybridge.entrypoints.http.problems import problem_response

access_logger = logging.getLogger("paybridge.access")
logger = logging.getLogger(__name__)

_SANE_ID = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")
_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$")
# Probes and scrapes: no access line unless DEBUG (exact paths). Their 503 ("not ready") is their answer, not
# an error of the server, so it is quiet too; any other 5xx is logged.
QUIET_PATHS = frozenset({"/live", "/ready", "/metrics", "/health", "/health/detailed"})
# On every response: no MIME sniffing, no caching (answers hold balances and tokens), never framed, no
# referrer, no active content. HSTS only over TLS (hypercorn's `scheme` is "https", or a trusted proxy's
# X-Forwarded-Proto said so): a browser ignores it over plain HTTP, and a development server must not pin it.
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"cache-control", b"no-store"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
]
HSTS_HEADER = (b"strict-transport-security", b"max-age=31536000")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            try:
                return str(value.decode("latin-1"))
            except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes any byte
                return None
    return None


def _sane(value: str | None) -> str | None:
    return value if value is not None and _SANE_ID.fullmatch(value) else None


_CONVERTOR = re.compile(r"{(\w+):\w+}")


def route_template(scope: Scope) -> str:
    """The matched route's path as OpenAPI writes it (`/api/v1/wallets/{wallet_id}`), or `unmatched`."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return _CONVERTOR.sub(r"{\1}", path) if isinstance(path, str) else "unmatched"


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _sane(_header(scope, b"x-request-id")) or uuid.uuid4().hex
        correlation_id = _sane(_header(scope, b"x-correlation-id")) or request_id
        trace = _TRACEPARENT.fullmatch(_header(scope, b"traceparent") or "")
        token = enter_context(
            RequestContext(
                request_id,
                correlation_id,
                None,
                trace.group(1) if trace and int(trace.group(1), 16) else None,
            )
        )
        started = time.perf_counter()
        response: dict[str, Any] = {"status": 500, "size": 0, "started": False}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                response["status"] = message["status"]
                response["started"] = True
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                headers.append((b"x-correlation-id", correlation_id.encode()))
                headers.extend(SECURITY_HEADERS)
                if scope.get("scheme") == "https":
                    headers.append(HSTS_HEADER)
                message["headers"] = headers
            elif message["type"] == "http.response.body":
                response["size"] += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception:
            logger.exception("unhandled error while serving the request")
            if not response["started"]:
                await problem_response(InternalError("an unexpected error occurred"))(
                    scope, receive, send_wrapper
                )
        finally:
            self._access_log(scope, response, time.perf_counter() - started)
            exit_context(token)

    @staticmethod
    def _access_log(scope: MutableMapping[str, Any], response: dict[str, Any], seconds: float) -> None:
        status = int(response["status"])
        path = scope.get("path", "")
        quiet = path in QUIET_PATHS and (status < 500 or status == 503)
        if quiet and not access_logger.isEnabledFor(logging.DEBUG):
            return
        level = logging.ERROR if status >= 500 else logging.WARNING if status >= 400 else logging.INFO
        client = scope.get("client")
        access_logger.log(
            level,
            "%s %s %s",
            scope.get("method"),
            route_template(scope),
            status,
            extra={
                "method": scope.get("method"),
                "route": route_template(scope),
                "status": status,
                "duration_ms": round(seconds * 1000, 3),
                "response_size": response["size"],
                "client_ip": client[0] if client else None,
                "user_agent": _header(scope, b"user-agent"),
                "user_id": current_context().user_id,
            },
        )
