"""Request bodies: one unambiguous JSON object, nested at most 32 levels, without repeated member names."""

from __future__ import annotations

import pytest

from paybridge.entrypoints.http.errors import MalformedJson
from paybridge.entrypoints.http.json_input import MAX_DEPTH, parse_object


def nested(depth: int, opener: bytes = b'{"a":', closer: bytes = b"}") -> bytes:
    """An object whose innermost value sits `depth` containers deep."""
    return b'{"x":' + opener * (depth - 1) + b"1" + closer * (depth - 1) + b"}"


def test_depth_up_to_the_limit_is_accepted() -> None:
    assert parse_object(nested(MAX_DEPTH))
    assert parse_object(nested(MAX_DEPTH, b"[", b"]"))


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 100, 1_000, 5_000])
@pytest.mark.parametrize(("opener", "closer"), [(b'{"a":', b"}"), (b"[", b"]")], ids=["objects", "arrays"])
def test_deeper_nesting_is_refused(depth: int, opener: bytes, closer: bytes) -> None:
    with pytest.raises(MalformedJson, match=r"nested deeper|depth"):
        parse_object(nested(depth, opener, closer))


@pytest.mark.parametrize(
    "raw",
    [
        b'{"amount": 1, "amount": 1000000}',
        b'{"amount" : 1 ,\n "amount"\t: 2}',
        b'{"metadata": {"k": "a", "k": "b"}}',
        b'{"a": [{"x": 1}, {"x": 1, "x": 1}]}',
        b'{"\\u0061": 1, "a": 2}',  # the same name, escaped differently
        b'{"s": "\\":", "a": 1, "a": 2}',  # a string containing the name-colon pattern, and a duplicate
    ],
)
def test_repeated_member_names_are_refused(raw: bytes) -> None:
    with pytest.raises(MalformedJson, match="repeats a member name"):
        parse_object(raw)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        (b'{"a": 1, "b": {"a": 2}}', {"a": 1, "b": {"a": 2}}),  # the same name in different objects
        (b'{"s": "x\\": y", "t": "\\":"}', {"s": 'x": y', "t": '":'}),  # colons after quotes inside strings
        (b'{"a": "\\u00e9"}', {"a": "é"}),
    ],
)
def test_unambiguous_bodies_are_accepted(raw: bytes, value: dict[str, object]) -> None:
    assert parse_object(raw) == value


@pytest.mark.parametrize(
    "raw",
    [
        b"1e400",
        b'{"a": 1e400}',
        b'{"a": -1e400}',
        b'{"a": "\xff"}',
        b'{"a": "\\ud800"}',
        b"[]",
        b'{"a": NaN}',
    ],
)
def test_other_hostile_bodies_are_malformed(raw: bytes) -> None:
    with pytest.raises(MalformedJson):
        parse_object(raw)


def test_integers_beyond_64_bits_become_floats_for_the_schema_to_refuse() -> None:
    parsed = parse_object(b'{"amount": 100000000000000000000000000000}')
    assert isinstance(parsed["amount"], float)
