"""Checks of the public HTTP API's answers, shared by the integration tests: a success body against its
documented schema (`assert_schema`) and a refusal as an RFC 9457 problem (`assert_problem`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
from jsonschema import Draft202012Validator

from paybridge.entrypoints.http.response_schemas import RESPONSES
from paybridge.entrypoints.http.schema_parts import list_of

API = "/api/v1"
PROBLEM_TYPE_BASE = "https://paybridge.dev/problems/"
LIST_ITEMS = {
    "WalletList": "Wallet",
    "TransactionList": "Transaction",
    "LedgerEntryList": "LedgerEntry",
    "HoldList": "Hold",
}


def _schema(name: str) -> dict[str, Any]:
    """The documented schema of a response body; list schemas resolve `#/components/schemas/X` against a
    root document that carries RESPONSES under components/schemas, as the OpenAPI description does."""
    base = list_of(LIST_ITEMS[name]) if name in LIST_ITEMS else RESPONSES[name]
    return {**base, "components": {"schemas": RESPONSES}}


def _timestamps(value: Any, path: str = "") -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key.endswith("_at") and isinstance(item, str):
                found.append((f"{path}{key}", item))
            found.extend(_timestamps(item, f"{path}{key}."))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_timestamps(item, f"{path}{index}."))
    return found


def assert_schema(name: str, body: Any) -> None:
    """`body` validates against RESPONSES[name] (or list_of(item)), has exactly the documented fields, and
    its timestamps are RFC 3339 UTC with a `Z` suffix."""
    validator = Draft202012Validator(_schema(name), format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]
    assert errors == [], f"{name} body does not match its schema: {errors}"
    if name in LIST_ITEMS:
        assert set(body) == {"data", "next_cursor", "has_more"}
        documented = set(RESPONSES[LIST_ITEMS[name]]["properties"])
        for item in body["data"]:
            assert set(item) == documented, f"undocumented or missing fields in {item}"
    else:
        assert set(body) == set(RESPONSES[name]["properties"]), f"undocumented or missing fields in {body}"
    for where, stamp in _timestamps(body):
        assert stamp.endswith("Z"), f"{where}={stamp!r} is not UTC with a Z suffix"
        assert datetime.fromisoformat(stamp).utcoffset() == timedelta(0), where


def assert_problem(
    response: httpx.Response, status: int, code: str, field: str | None = None
) -> dict[str, Any]:
    """`response` is a problem+json refusal with this status and `code`, valid against the Problem schema and
    carrying the response's request id; with `field`, one of its `errors` names that field."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    errors = [e.message for e in Draft202012Validator(RESPONSES["Problem"]).iter_errors(body)]
    assert errors == [], errors
    assert (body["status"], body["code"]) == (status, code), body
    assert body["type"] == PROBLEM_TYPE_BASE + code
    assert body["request_id"] == response.headers["x-request-id"]
    if field is not None:
        fields = [e["field"] for e in body.get("errors", [])]
        assert field in fields, f"expected an error naming {field!r}, got {body.get('errors')}"
    return body
