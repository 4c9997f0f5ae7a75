"""The project's error classes, found by walking PayBridgeError's subclasses (so a new error cannot be left
out of the tests that go through all of them): the categories, and every concrete error."""

from __future__ import annotations

import paybridge.entrypoints.http.errors as http_errors
from paybridge.domain import errors as domain_errors
from paybridge.domain.errors import (
    AuthenticationFailed,
    BusinessRuleViolation,
    Conflict,
    NotFound,
    PayBridgeError,
    PermissionDenied,
    TemporarilyUnavailable,
    ValidationFailed,
)

# Categories: abstract groupings that the HTTP edge maps to a status; every other class is concrete.
CATEGORIES: set[type[PayBridgeError]] = {
    PayBridgeError,
    ValidationFailed,
    AuthenticationFailed,
    PermissionDenied,
    NotFound,
    Conflict,
    BusinessRuleViolation,
    TemporarilyUnavailable,
    http_errors.HttpProblem,
}


def class_name(value: object) -> str:
    return getattr(value, "__name__", repr(value))


def project_error_classes() -> list[type[PayBridgeError]]:
    """Every PayBridgeError subclass defined by the project (not by tests), found by walking subclasses."""
    found: list[type[PayBridgeError]] = []
    pending = list(PayBridgeError.__subclasses__())
    while pending:
        cls = pending.pop()
        if cls in found:
            continue
        pending.extend(cls.__subclasses__())
        # the domain's errors live in the modules of the paybridge.domain.errors package
        module = cls.__module__
        if module in (domain_errors.__name__, http_errors.__name__) or module.startswith(
            domain_errors.__name__ + "."
        ):
            found.append(cls)
    return found


def concrete_error_classes() -> list[type[PayBridgeError]]:
    return [cls for cls in project_error_classes() if cls not in CATEGORIES]
