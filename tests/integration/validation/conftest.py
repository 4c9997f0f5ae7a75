"""Helpers of the tests of hostile and malformed input on the write endpoints. Each such request must be
refused with a 4xx problem+json carrying a stable `code` (and, for validation failures, `errors` naming the
field) and must change NOTHING: `post_unchanged` compares the database state (row counts of every table and
every wallet's balance and version) before and after the request."""

from __future__ import annotations

import enum
from typing import Any

import httpx
import psycopg

from tests.integration.conftest import World
from tests.support.http_checks import API


class _Missing(enum.Enum):
    FIELD = enum.auto()


MISSING = _Missing.FIELD


async def db_state(url: str) -> dict[str, Any]:
    """Everything a request could have changed: row counts, the last outbox event (published rows may be
    purged, so the outbox is tracked by its newest sequence number) and a digest of every wallet's balance
    and version."""
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        cursor = await conn.execute(
            "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM wallets),"
            " (SELECT count(*) FROM transactions), (SELECT count(*) FROM ledger_entries),"
            " (SELECT count(*) FROM idempotency_keys), (SELECT coalesce(max(seq), 0) FROM outbox),"
            " (SELECT md5(coalesce(string_agg(id::text || ':' || balance::text || ':' || version::text, ','"
            "  ORDER BY id), '')) FROM wallets),"
            " (SELECT md5(coalesce(string_agg(id::text || ':' || balance::text || ':' || version::text, ','"
            "  ORDER BY id), '')) FROM wallets WHERE kind = 'USER')"
        )
        row = await cursor.fetchone()
    assert row is not None
    keys = (
        "users",
        "wallets",
        "transactions",
        "ledger_entries",
        "idempotency_keys",
        "outbox_last_seq",
        "wallets_digest",
        "user_wallets_digest",
    )
    return dict(zip(keys, row, strict=True))


def with_changes(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    body = dict(base)
    for key, value in changes.items():
        if value is MISSING:
            body.pop(key, None)
        else:
            body[key] = value
    return body


async def post_unchanged(
    client: httpx.AsyncClient,
    world: World,
    endpoint: str,
    *,
    json: Any = None,
    content: Any = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """POST to `endpoint` and assert that the database did not change at all."""
    before = await db_state(world.url)
    send_headers = world.headers(endpoint) if headers is None else headers
    if json is not None:
        response = await client.post(f"{API}/{endpoint}", json=json, headers=send_headers)
    else:
        response = await client.post(f"{API}/{endpoint}", content=content, headers=send_headers)
    after = await db_state(world.url)
    assert after == before, f"the refused request changed the database: {before} -> {after}"
    return response


MONEY = ["transfers", "deposits", "withdrawals"]
JSON_ENDPOINTS = [*MONEY, "wallets", "users"]
