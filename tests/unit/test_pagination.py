"""Opaque keyset cursors and page-size parsing (paybridge.application.pagination)."""

from __future__ import annotations

import base64

import pytest

from paybridge.application.pagination import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    decode_cursor,
    encode_cursor,
    parse_limit,
)
from paybridge.domain.errors import ValidationFailed


def raw_cursor(text: str) -> str:
    """A cursor built by hand the way `encode_cursor` builds one, around arbitrary text."""
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize("position", [0, 1, 7, 42, 1_000_000, 2**31, 2**63 - 1])
def test_cursor_round_trip(position: int) -> None:
    cursor = encode_cursor(position)
    assert decode_cursor(cursor) == position
    assert cursor.isascii() and "=" not in cursor and "/" not in cursor and "+" not in cursor
    assert len(cursor) <= 64


def test_cursors_are_opaque() -> None:
    assert str(42) not in encode_cursor(42)
    assert encode_cursor(1) != encode_cursor(2)


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "!!!",
        "not-a-cursor",
        "é",
        "\x00",
        "pb1:5",  # the plain text is not a cursor
        raw_cursor("pb1:"),
        raw_cursor("pb1:abc"),
        raw_cursor("pb1:-5"),
        raw_cursor("pb1:+5"),
        raw_cursor("pb1: 5"),
        raw_cursor("pb1:5 "),
        raw_cursor("pb1:1.5"),
        raw_cursor("pb2:5"),
        raw_cursor("PB1:5"),
        raw_cursor("5"),
        # str.isdigit() accepts these Unicode digits, int() does not
        pytest.param(raw_cursor("pb1:\u00b2"), id="superscript-two"),
        pytest.param(raw_cursor("pb1:\u00b9\u00b2\u00b3"), id="superscript-one-two-three"),
        "A" * 65,
        encode_cursor(1) + "A" * 64,
        raw_cursor("pb1:" + "1" * 60),
    ],
)
def test_invalid_cursors_are_validation_errors(cursor: str) -> None:
    with pytest.raises(ValidationFailed) as raised:
        decode_cursor(cursor)
    assert [e.field for e in raised.value.errors] == ["cursor"]


def test_cursor_with_padding_still_decodes() -> None:
    cursor = encode_cursor(12345)
    padded = cursor + "=" * (-len(cursor) % 4)
    assert decode_cursor(padded) == 12345


@pytest.mark.parametrize(("raw", "expected"), [(None, DEFAULT_LIMIT), ("", DEFAULT_LIMIT)])
def test_limit_defaults(raw: str | None, expected: int) -> None:
    assert parse_limit(raw) == expected == 20


@pytest.mark.parametrize(("raw", "expected"), [("1", 1), ("20", 20), ("99", 99), ("100", 100), ("007", 7)])
def test_limit_in_range(raw: str, expected: int) -> None:
    assert parse_limit(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        *(
            "0",
            "00",
            "101",
            str(MAX_LIMIT + 1),
            "1000000",
            "-1",
            "+5",
            " 5",
            "5 ",
            "1.5",
            "abc",
            "1e2",
            "0x10",
        ),
        # str.isdigit() accepts these Unicode digits, int() does not
        pytest.param("\u00b2", id="superscript-two"),
        pytest.param("\u00b9", id="superscript-one"),
    ],
)
def test_limit_out_of_range_or_not_a_number(raw: str) -> None:
    with pytest.raises(ValidationFailed) as raised:
        parse_limit(raw)
    assert [e.field for e in raised.value.errors] == ["limit"]
