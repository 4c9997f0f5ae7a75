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
    digits = raw[len(_PREFIX) :]
    if not raw.startswith(_PREFIX) or not _is_ascii_number(digits):
        raise invalid
    return int(digits)


def parse_limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    if not _is_ascii_number(raw) or not 1 <= int(raw) <= MAX_LIMIT:
        raise ValidationFailed(
            "invalid limit", errors=[FieldError("limit", f"must be an integer from 1 to {MAX_LIMIT}")]
        )
    return int(raw)


def _is_ascii_number(text: str) -> bool:
    """Digits 0-9 only: str.isdigit() also accepts characters such as '²' that int() refuses."""
    return 0 < len(text) <= 19 and text.isascii() and text.isdigit()
