"""Errors that only exist at the HTTP edge, in the same hierarchy (and with the same stable codes)."""

from __future__ import annotations

from typing import ClassVar

from paybridge.domain.errors import AuthenticationFailed, NotFound, PayBridgeError, ValidationFailed


class MalformedJson(ValidationFailed):
    code = "malformed_json"
    title = "The request body is not valid JSON"


class IdempotencyKeyMissing(ValidationFailed):
    code = "idempotency_key_missing"
    title = "An Idempotency-Key header is required"


class InvalidIdempotencyKey(ValidationFailed):
    code = "idempotency_key_invalid"
    title = "The Idempotency-Key header is invalid"


class MissingCredentials(AuthenticationFailed):
    """No bearer token at all; answered with the category's code `unauthenticated`."""


class RouteNotFound(NotFound):
    code = "route_not_found"
    title = "No such endpoint"


class HttpProblem(PayBridgeError):
    """An error whose HTTP status is fixed by the protocol rather than by a domain category."""

    http_status: ClassVar[int] = 400


class UnsupportedMediaType(HttpProblem):
    code = "unsupported_media_type"
    title = "Content-Type must be application/json"
    http_status = 415


class PayloadTooLarge(HttpProblem):
    code = "payload_too_large"
    title = "The request body is too large"
    http_status = 413


class MethodNotAllowed(HttpProblem):
    code = "method_not_allowed"
    title = "Method not allowed"
    http_status = 405


class InternalError(HttpProblem):
    code = "internal_error"
    title = "Internal server error"
    http_status = 500
