"""RFC 9457 problem details (`application/problem+json`) for every error the service answers with."""

from __future__ import annotations

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


def problem_response(error: PayBridgeError) -> Response:
    status = status_for(error)
    headers: dict[str, str] = {}
    if isinstance(error, AuthenticationFailed):
        headers["WWW-Authenticate"] = 'Bearer realm="paybridge"'
    if isinstance(error, TemporarilyUnavailable | IdempotencyRequestInProgress):
        headers["Retry-After"] = str(error.retry_after_seconds)
    if error.replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(
        dumps(problem_body(error, status)),
        status_code=status,
        headers=headers,
        media_type=PROBLEM_CONTENT_TYPE,
    )
