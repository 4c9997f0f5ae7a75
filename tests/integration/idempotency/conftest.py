"""Helpers of the Idempotency-Key tests over HTTP on PostgreSQL (replays, key reuse, per-principal scope,
stored business errors, a key still in progress and an exhausted storage conflict): what the database holds
for a wallet or a key, and a problem body without its per-request id."""

from __future__ import annotations

from typing import Any, LiteralString

import httpx
import psycopg

from tests.integration.conftest import Actor, get_wallet


async def _scalar(url: str, sql: LiteralString, params: tuple[Any, ...]) -> Any:
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        cursor = await conn.execute(sql, params)
        row = await cursor.fetchone()
    assert row is not None
    return row[0]


async def transactions_of(url: str, wallet_id: str) -> int:
    count: int = await _scalar(
        url,
        "SELECT count(*) FROM transactions WHERE source_wallet_id = %s OR destination_wallet_id = %s",
        (wallet_id, wallet_id),
    )
    return count


async def stored_key(url: str, principal_id: str, key: str) -> bool:
    found: bool = await _scalar(
        url,
        "SELECT EXISTS (SELECT 1 FROM idempotency_keys WHERE principal_id = %s AND key = %s)",
        (principal_id, key),
    )
    return found


async def balance(client: httpx.AsyncClient, actor: Actor, wallet_id: str) -> int:
    value: int = (await get_wallet(client, actor, wallet_id))["balance"]
    return value


def without_request_id(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != "request_id"}
