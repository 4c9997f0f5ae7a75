"""Reading request bodies: content type, size cap, strict JSON, schema validation. Anything wrong is a
4xx problem before a use case runs."""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import Enum
from typing import Any, TypeVar
from uuid import UUID

import fastjsonschema
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from jsonschema.validators import extend
from starlette.requests import Request

from paybridge.domain.errors import FieldError, ValidationFailed
from paybridge.entrypoints.http.errors import (
    IdempotencyKeyMissing,
    InvalidIdempotencyKey,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from paybridge.entrypoints.http.json_input import parse_object
from paybridge.entrypoints.http.request_schemas import REQUESTS


def _is_strict_integer(_: Any, instance: Any) -> bool:
    return isinstance(instance, int) and not isinstance(instance, bool)


_StrictValidator = extend(  # type: ignore[no-untyped-call]
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_strict_integer),
)
_VALIDATORS = {
    name: _StrictValidator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    for name, schema in REQUESTS.items()
}


def _format(name: str) -> Callable[[str], bool]:
    return lambda value: Draft202012Validator.FORMAT_CHECKER.conforms(value, name)


# The same schemas compiled to Python (~6x faster) only to *accept* a body quickly: a body it rejects, or one
# holding a float (it calls 1.0 an integer; _StrictValidator does not), goes to jsonschema, which decides and
# explains. tests/unit/test_body_validation.py checks that it never accepts what jsonschema rejects.
_FAST: dict[str, Callable[[Any], Any]] = {
    name: fastjsonschema.compile(schema, formats={"uuid": _format("uuid"), "date-time": _format("date-time")})
    for name, schema in REQUESTS.items()
}
_JSON_TYPE = re.compile(r"^application/(?:[\w.+-]+\+)?json\s*(?:;.*)?$", re.IGNORECASE)
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


async def read_json(request: Request, schema: str, max_bytes: int) -> dict[str, Any]:
    content_type = request.headers.get("content-type", "")
    if not _JSON_TYPE.match(content_type):
        raise UnsupportedMediaType(f"expected Content-Type application/json, got {content_type or 'none'!r}")
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > max_bytes):
        raise PayloadTooLarge(f"request bodies are limited to {max_bytes} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLarge(f"request bodies are limited to {max_bytes} bytes")
        chunks.append(chunk)
    data = parse_object(b"".join(chunks))  # depth, duplicate names, strict grammar: json_input.py
    validate(schema, data)
    return data


def _plain(value: Any) -> bool:
    """No NUL character and no float anywhere: what the fast validator may judge alone."""
    if isinstance(value, str):
        return "\x00" not in value
    if isinstance(value, dict):
        return all("\x00" not in key and _plain(item) for key, item in value.items())
    if isinstance(value, list):
        return all(_plain(item) for item in value)
    return not isinstance(value, float)


def _nul_fields(value: Any, path: str = "") -> list[FieldError]:
    """PostgreSQL text cannot hold NUL characters; they are never meaningful in this API's fields."""
    if isinstance(value, str):
        return [FieldError(path or "body", "must not contain NUL characters")] if "\x00" in value else []
    if isinstance(value, dict):
        found: list[FieldError] = []
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                found.append(FieldError(child, "field names must not contain NUL characters"))
            found.extend(_nul_fields(item, child))
        return found
    if isinstance(value, list):
        return [error for index, item in enumerate(value) for error in _nul_fields(item, f"{path}.{index}")]
    return []


def validate(schema: str, data: dict[str, Any]) -> None:
    if _plain(data):
        try:
            _FAST[schema](data)
            return
        except fastjsonschema.JsonSchemaException:
            pass  # jsonschema decides and explains
    validate_strictly(schema, data)


def validate_strictly(schema: str, data: dict[str, Any]) -> None:
    """jsonschema alone (with the NUL check): the verdict and the field errors of every rejected body."""
    nul = _nul_fields(data)
    if nul:
        raise ValidationFailed("the request body is invalid", errors=nul)
    errors = sorted(_VALIDATORS[schema].iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        raise ValidationFailed(
            "the request body is invalid", errors=[field_error for e in errors for field_error in _explain(e)]
        )


def _explain(error: ValidationError) -> list[FieldError]:
    path = ".".join(str(part) for part in error.absolute_path)
    prefix = f"{path}." if path else ""
    if error.validator == "required" and isinstance(error.instance, dict):
        required = error.validator_value if isinstance(error.validator_value, list) else []
        return [FieldError(prefix + name, "is required") for name in required if name not in error.instance]
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        return [
            FieldError(prefix + name, "is not a known field") for name in error.instance if name not in known
        ]
    return [FieldError(path or "body", _message(str(error.validator), error.validator_value))]


_MESSAGES = {
    "type": "must be of type {}",
    "minLength": "must be at least {} characters long",
    "maxLength": "must be at most {} characters long",
    "minimum": "must be at least {}",
    "maximum": "must be at most {}",
    "minProperties": "must have at least {} entries",
    "maxProperties": "must have at most {} entries",
    "format": "must be a valid {}",
    "pattern": "has an invalid format",
    "enum": "must be one of the documented values",
    "propertyNames": "has an invalid field name",
}


def _message(validator: str, expected: Any) -> str:
    """What is wrong, from the schema alone: never echoes the submitted value (it may be a password)."""
    template = _MESSAGES.get(validator, "is invalid")
    return template.format(expected) if "{}" in template else template


def idempotency_key(request: Request) -> str:
    key = request.headers.get("idempotency-key")
    if key is None:
        raise IdempotencyKeyMissing("send an Idempotency-Key header (e.g. a UUID) with every money movement")
    if not _IDEMPOTENCY_KEY.fullmatch(key):
        raise InvalidIdempotencyKey(
            "Idempotency-Key must be 1 to 255 printable ASCII characters",
            errors=[FieldError("Idempotency-Key", "1 to 255 printable ASCII characters")],
        )
    return key


def query_value(request: Request, name: str) -> str | None:
    """The query parameter `name`, None when absent. Present but empty (`?wallet_id=`) or given twice is a 400:
    an empty filter is not "no filter", and a repeated one is not "either of them" — guessing would answer a
    different question than the client asked."""
    values = request.query_params.getlist(name)
    if not values:
        return None
    if len(values) > 1:
        raise ValidationFailed(
            f"{name} is given {len(values)} times", errors=[FieldError(name, "give it at most once")]
        )
    if values[0] == "":
        raise ValidationFailed(
            f"{name} is empty",
            errors=[FieldError(name, "must not be empty (leave the parameter out instead)")],
        )
    return values[0]


def query_uuid(request: Request, name: str) -> UUID | None:
    raw = query_value(request, name)
    if raw is None:
        return None
    try:
        return UUID(raw)
    except ValueError:
        raise ValidationFailed(f"{name} is not a UUID", errors=[FieldError(name, "must be a UUID")]) from None


E = TypeVar("E", bound=Enum)


def query_enum(request: Request, name: str, kind: type[E], what: str) -> E | None:
    """The query parameter `name` as a member of `kind` (any letter case), None when absent; any other value
    is a 400 naming the allowed ones (`what`: "transaction type", "hold status")."""
    raw = query_value(request, name)
    if raw is None:
        return None
    try:
        return kind(raw.upper())
    except ValueError:
        allowed = ", ".join(str(member.value) for member in kind)
        raise ValidationFailed(
            f"unknown {what}", errors=[FieldError(name, f"must be one of {allowed}")]
        ) from None
