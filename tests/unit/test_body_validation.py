"""The fast validator of request bodies may only ever *accept* what jsonschema (with the strict integer type)
accepts: for every request schema, generated bodies near and across each keyword's edge get the same verdict
and the same field errors from `validate` as from jsonschema alone."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paybridge.domain.errors import ValidationFailed
from paybridge.entrypoints.http import body
from paybridge.entrypoints.http.request_schemas import REQUESTS

JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0, 1, 1.0, -0.0, True, False, "", "0", "\x00"]),
    st.text(max_size=8),
)
ANY_JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6,
)


def _uuids() -> st.SearchStrategy[Any]:
    return st.uuids().flatmap(
        lambda u: st.sampled_from(
            [str(u), str(u).upper(), u.hex, "{" + str(u) + "}", str(u)[:-1], str(u) + " ", f"urn:uuid:{u}"]
        )
    )


def _datetimes() -> st.SearchStrategy[Any]:
    fixed = [
        "2026-11-28T10:00:00Z",
        "2026-11-28T10:00:00+01:00",
        "2026-11-28 10:00:00Z",
        "2026-11-28",
        "2026-13-01T00:00:00Z",
        "2026-11-28T10:00:00",
        "2026-02-30T00:00:00Z",
        "2026-11-28T25:00:00Z",
    ]
    return st.sampled_from(fixed)


def _integers(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    edges = [schema.get("minimum", 0), schema.get("maximum", 2**63)]
    near = st.sampled_from(edges).flatmap(lambda e: st.integers(min_value=e - 2, max_value=e + 2))
    return st.one_of(near, near.map(float), st.booleans())


def _strings(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    options: list[st.SearchStrategy[Any]] = []
    if "pattern" in schema:
        options.append(st.from_regex(schema["pattern"], fullmatch=True))
        options.append(st.from_regex(schema["pattern"]))  # may carry extra characters around the match
    for limit in (schema.get("minLength"), schema.get("maxLength")):
        if limit is not None:
            options.append(st.text(min_size=max(limit - 1, 0), max_size=limit + 1))
            options.append(st.sampled_from(["é" * limit, "😀" * limit, "😀" * (limit + 1)]))
    return st.one_of(*options) if options else st.text(max_size=12)


def _objects(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    properties = schema.get("properties", {})
    extra = schema.get("additionalProperties")
    known = st.fixed_dictionaries({}, optional={name: values(sub) for name, sub in properties.items()})
    if isinstance(extra, dict):  # e.g. metadata: any names, values per the sub-schema
        limit = schema.get("maxProperties", 3)
        names = _strings(schema.get("propertyNames", {"maxLength": 8}))
        free = st.dictionaries(names, values(extra), max_size=limit + 1)
        return st.one_of(known, free)
    unknown = st.dictionaries(st.sampled_from(["x", "id", "Amount", "amount "]), JSON_SCALARS, max_size=1)
    return st.one_of(known, st.tuples(known, unknown).map(lambda pair: {**pair[0], **pair[1]}))


def values(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    specific: list[st.SearchStrategy[Any]] = []
    if "oneOf" in schema:
        specific += [values(sub) for sub in schema["oneOf"]]
    if "enum" in schema:
        specific.append(st.sampled_from(schema["enum"]))
        specific.append(st.sampled_from([str(v).lower() for v in schema["enum"]]))
    if schema.get("format") == "uuid":
        specific.append(_uuids())
    if schema.get("format") == "date-time":
        specific.append(_datetimes())
    kind = schema.get("type")
    if kind == "integer":
        specific.append(_integers(schema))
    if kind == "string" and "enum" not in schema and "format" not in schema:
        specific.append(_strings(schema))
    if kind == "object" or "properties" in schema:
        specific.append(_objects(schema))
    return st.one_of(*specific, ANY_JSON) if specific else ANY_JSON


def _verdict(check: Any) -> list[tuple[str, str]] | None:
    try:
        check()
    except ValidationFailed as failure:
        return sorted((e.field, e.message) for e in failure.errors)
    return None


@pytest.mark.parametrize("name", sorted(REQUESTS))
def test_the_fast_validator_never_accepts_what_jsonschema_rejects(name: str) -> None:
    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(data=_objects(REQUESTS[name]))
    def check(data: dict[str, Any]) -> None:
        assert _verdict(lambda: body.validate(name, data)) == _verdict(
            lambda: body.validate_strictly(name, data)
        )

    check()


def test_a_valid_transfer_never_reaches_jsonschema(monkeypatch: pytest.MonkeyPatch) -> None:
    class Refuse:
        def iter_errors(self, data: Any) -> Any:
            raise AssertionError("the fast validator should have accepted this body")

    monkeypatch.setitem(body._VALIDATORS, "Transfer", Refuse())
    body.validate(
        "Transfer",
        {
            "source_wallet_id": str(uuid.uuid4()),
            "destination_wallet_id": str(uuid.uuid4()),
            "amount": 1,
            "currency": "USD",
            "metadata": {"order": "42"},
        },
    )


@pytest.mark.parametrize("amount", [1.0, True, 0, 10**18 + 1, "1"])
def test_amounts_that_are_not_strict_integers_in_range_are_explained(amount: Any) -> None:
    data = {
        "source_wallet_id": str(uuid.uuid4()),
        "destination_wallet_id": str(uuid.uuid4()),
        "amount": amount,
        "currency": "USD",
    }
    with pytest.raises(ValidationFailed) as failure:
        body.validate("Transfer", data)
    assert [e.field for e in failure.value.errors] == ["amount"]


def test_date_times_are_checked_by_the_schema() -> None:
    """jsonschema skips `format: date-time` unless rfc3339-validator is installed: a runtime dependency."""
    with pytest.raises(ValidationFailed) as failure:
        body.validate(
            "PlaceHold",
            {
                "wallet_id": str(uuid.uuid4()),
                "amount": 1,
                "currency": "USD",
                "expires_at": "2026-11-28 10:00",
            },
        )
    assert [(e.field, e.message) for e in failure.value.errors] == [
        ("expires_at", "must be a valid date-time")
    ]
