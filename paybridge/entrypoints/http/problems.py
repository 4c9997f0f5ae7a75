"""RFC 9457 problem details (`application/problem+json`) for every error the service answers with."""

from __future__ import annotations

import math
from typing import Any

from starlette.responses import Response

from paybridge.application.context import current_context
from paybridge.domain.errors import (
    AuthenticationFailed,
    BusinessRuleViolation,
    Conflict,
    IdempotencyRequestInProgress,
    NotFound,
    PayBridgeError,
    PermissionDenied,
    TemporarilyUnavailable,
    TooManyRequests,
    ValidationFailed,
)
from paybridge.entrypoints.http.encoding import dumps
from paybridge.entrypoints.http.errors import HttpProblem

PROBLEM_TYPE_BASE = "https://paybridge.dev/problems/"
PROBLEM_CONTENT_TYPE = "application/problem+json"

_STATUS_BY_CATEGORY: tuple[tuple[type[PayBridgeError], int], ...] = (
    (ValidationFailed, 400),
    (AuthenticationFailed, 401),
    (PermissionDenied, 403),
    (NotFound, 404),
    (Conflict, 409),
    (BusinessRuleViolation, 422),
    (TooManyRequests, 429),
    (TemporarilyUnavailable, 503),
)


def status_for(error: PayBridgeError) -> int:
    if isinstance(error, HttpProblem):
        return error.http_status
    for category, status in _STATUS_BY_CATEGORY:
        if isinstance(error, category):
            return status
    return 500


def problem_body(error: PayBridgeError, status: int) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + error.code,
        "title": error.title,
        "status": status,
        "detail": error.detail,
        "code": error.code,
        "request_id": current_context().request_id,
    }
    if isinstance(error, ValidationFailed) and error.errors:
        body["errors"] = [{"field": e.field, "message": e.message} for e in error.errors]
    for key, value in error.extra.items():
        if key not in body and key != "reason":
            body[key] = value
    return body


def rate_limit_headers(
    limit: int, remaining: int, reset_seconds: float, period: float | None
) -> dict[str, str]:
    """`RateLimit-Limit`, `-Remaining`, `-Reset` (whole seconds until the quota is full again) and, with the
    period, `RateLimit-Policy` (`100;w=60`)."""
    headers = {
        "RateLimit-Limit": str(limit),
        "RateLimit-Remaining": str(remaining),
        "RateLimit-Reset": str(math.ceil(reset_seconds)),
    }
    if period is not None:
        headers["RateLimit-Policy"] = f"{limit};w={math.ceil(period)}"
    return headers


def problem_response(error: PayBridgeError) -> Response:
    status = status_for(error)
    headers: dict[str, str] = {}
    if isinstance(error, AuthenticationFailed):
        headers["WWW-Authenticate"] = 'Bearer realm="paybridge"'
    if isinstance(error, TemporarilyUnavailable | IdempotencyRequestInProgress | TooManyRequests):
        headers["Retry-After"] = str(error.retry_after_seconds)
    if isinstance(error, TooManyRequests) and error.limit is not None:
        headers.update(rate_limit_headers(error.limit, 0, error.reset_seconds or 0, error.period_seconds))
    if error.replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(
        dumps(problem_body(error, status)),
        status_code=status,
        headers=headers,
        media_type=PROBLEM_CONTENT_TYPE,
    )
