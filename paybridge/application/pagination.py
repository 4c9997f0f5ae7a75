"""Opaque keyset cursors. A cursor encodes the position of the last item of a page."""

from __future__ import annotations

import base64
import binascii

from paybridge.domain.errors import FieldError, ValidationFailed

MAX_LIMIT = 100
DEFAULT_LIMIT = 20
_PREFIX = "pb1:"


def encode_cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{position}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    invalid = ValidationFailed(
        "invalid cursor", errors=[FieldError("cursor", "is not a cursor of this list")]
    )
    if len(cursor) > 64:
        raise invalid
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise invalid from None
    if not raw.startswith(_PREFIX) or not raw[len(_PREFIX) :].isdigit():
        raise invalid
    return int(raw[len(_PREFIX) :])


def parse_limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise ValidationFailed(
            "invalid limit", errors=[FieldError("limit", f"must be an integer from 1 to {MAX_LIMIT}")]
        )
    return int(raw)
