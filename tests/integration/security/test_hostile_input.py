"""Hostile request bodies on every route that reads one (the routes of the authorization matrix with a
body): deep nesting, duplicate member names, numbers beyond 64 bits or a double, invalid UTF-8, NUL bytes,
very long strings, oversized metadata and bodies. Each is a 4xx problem+json — never a 500 — and the
database is left exactly as it was (no partial write)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import orjson
import pytest

from paybridge.bootstrap import Container
from tests.integration.security.authz_table import ENTRIES, Entry
from tests.integration.security.authz_world import World, build_world
from tests.support.db_snapshot import changes, snapshot

pytestmark = pytest.mark.integration

REFUSALS = {
    400: {"malformed_json", "validation_error", "unsupported_currency", "invalid_amount", "invalid_rate"},
    413: {"payload_too_large"},
}
WITH_BODY = sorted((key, entry) for key, entry in ENTRIES.items() if entry.body is not None)


def with_member(valid: bytes, name: str, raw_value: bytes) -> bytes:
    """`valid` (a JSON object) with one more member, written verbatim (so duplicates survive)."""
    member = orjson.dumps(name) + b": " + raw_value
    return b"{" + member + b"}" if valid == b"{}" else valid[:-1] + b", " + member + b"}"


def hostile_bodies(valid: dict[str, Any]) -> dict[str, bytes]:
    raw = orjson.dumps(valid)
    first = next(iter(valid), "field")
    strings = [name for name, value in valid.items() if isinstance(value, str)]
    bodies = {
        "nesting-33": b'{"a":' * 33 + b"1" + b"}" * 33,
        "nesting-33-arrays": b'{"a":' + b"[" * 32 + b"]" * 32 + b"}",
        "nesting-100000": b"[" * 100_000 + b"]" * 100_000,
        "duplicate-member": with_member(raw, first, orjson.dumps(valid.get(first, 1))),
        "duplicate-amount": with_member(with_member(raw, "amount", b"1"), "amount", b"1000000000"),
        "number-1e400": with_member(raw, "amount", b"1e400"),
        "number-minus-1e400": with_member(raw, first, b"-1e400"),
        "int-beyond-64-bits": with_member(raw, "amount", b"18446744073709551616"),
        "int-of-400-digits": with_member(raw, "amount", b"9" * 400),
        "float-underflow": with_member(raw, "amount", b"1e-400"),
        "invalid-utf8": with_member(raw, "x", b'"\xff\xfe"'),
        "overlong-utf8": with_member(raw, "x", b'"\xc0\xaf"'),
        "utf16": raw.decode().encode("utf-16"),
        "lone-surrogate": with_member(raw, "x", b'"\\ud800"'),
        "raw-nul": with_member(raw, "x", b'"a\x00b"'),
        "nul-in-name": with_member(raw, "a\u0000b", b"1"),
        "long-unknown-string": with_member(raw, "x", orjson.dumps("x" * 60_000)),
        "metadata-21-keys": with_member(raw, "metadata", orjson.dumps({f"k{n}": "v" for n in range(21)})),
        "metadata-501-chars": with_member(raw, "metadata", orjson.dumps({"k": "v" * 501})),
        "over-64-KiB": with_member(raw, "x", orjson.dumps("x" * 66_000)),
    }
    for name in strings:
        bodies[f"nul-in-{name}"] = orjson.dumps({**valid, name: valid[name] + "\u0000"})
        bodies[f"60k-{name}"] = orjson.dumps({**valid, name: valid[name] + "x" * 60_000})
    return bodies


def caller(entry: Entry) -> str:
    """Someone allowed to call the route, so that the body is what gets refused."""
    if entry.public:
        return "anonymous"
    return "owner" if entry.owner < 400 else "admin"


@pytest.mark.parametrize(("key", "entry"), WITH_BODY, ids=[f"{m} {p}" for (m, p), _ in WITH_BODY])
async def test_hostile_bodies_are_refused_without_a_trace(
    client: httpx.AsyncClient, app_container: Container, key: tuple[str, str], entry: Entry
) -> None:
    method, _ = key
    url = app_container.settings().database_url
    assert url is not None and entry.body is not None
    world: World = await build_world(client, app_container)
    actor = caller(entry)
    path, valid = entry.path(world.resources), entry.body(world.resources)
    failures = []
    for name, body in hostile_bodies(valid).items():
        headers = {
            **world.actors[actor],
            "Content-Type": "application/json",
            "Idempotency-Key": str(uuid.uuid4()),
        }
        before = await snapshot(url, world.ids[actor])
        response = await client.request(method, path, content=body, headers=headers)
        after = await snapshot(url, world.ids[actor])
        code = (
            response.json().get("code") if response.headers.get("content-type", "").endswith("json") else None
        )
        if response.status_code not in REFUSALS or code not in REFUSALS[response.status_code]:
            failures.append(f"{name}: {response.status_code} {response.text[:200]}")
        elif response.headers["content-type"] != "application/problem+json":
            failures.append(f"{name}: content type {response.headers['content-type']}")
        if changes(before, after):
            failures.append(f"{name}: changed {changes(before, after)}")
    assert not failures, f"{method} {path} as {actor}:\n  " + "\n  ".join(failures)
