"""The root of the error hierarchy, its code registry and the categories the HTTP edge maps to statuses.

Every subclass that sets its own `code` registers it here, so `error_from_code` can rebuild any error from a
stored idempotent outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

_REGISTRY: dict[str, type[PayBridgeError]] = {}


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    message: str


class PayBridgeError(Exception):
    code: ClassVar[str] = "error"
    title: ClassVar[str] = "Error"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        self.detail = detail or self.title
        self.extra: dict[str, Any] = extra
        self.replayed = False
        super().__init__(self.detail)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "code" in cls.__dict__:
            _REGISTRY[cls.code] = cls


def error_from_code(code: str, detail: str | None, extra: dict[str, Any] | None = None) -> PayBridgeError:
    cls = _REGISTRY.get(code, PayBridgeError)
    return cls(detail, **(extra or {}))


# --- categories -------------------------------------------------------------------------------------


class ValidationFailed(PayBridgeError):
    code = "validation_error"
    title = "The request is invalid"

    def __init__(
        self, detail: str | None = None, errors: list[FieldError] | None = None, **extra: Any
    ) -> None:
        super().__init__(detail, **extra)
        self.errors = list(errors or [])


class AuthenticationFailed(PayBridgeError):
    code = "unauthenticated"
    title = "Authentication required"


class PermissionDenied(PayBridgeError):
    code = "forbidden"
    title = "Not allowed"


class NotFound(PayBridgeError):
    code = "not_found"
    title = "Not found"


class Conflict(PayBridgeError):
    code = "conflict"
    title = "Conflict"


class BusinessRuleViolation(PayBridgeError):
    code = "business_rule_violation"
    title = "The operation is not allowed"


class TemporarilyUnavailable(PayBridgeError):
    """Safe to retry later with the same Idempotency-Key; nothing was changed."""

    code = "temporarily_unavailable"
    title = "Temporarily unavailable"
    retry_after_seconds: ClassVar[int] = 1
