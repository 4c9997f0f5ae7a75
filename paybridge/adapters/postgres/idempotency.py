"""PostgreSQL idempotency store. A key is taken with a transaction-scoped advisory lock (never waits: a
concurrent retry is told the first request is still running) and its outcome is a row in
`idempotency_keys`, whose primary key is the last line of defence against a concurrent duplicate."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import LiteralString
from uuid import UUID

from psycopg.types.json import Jsonb

from paybridge.adapters.postgres.session import PostgresSession
from paybridge.application.ports.storage import IdempotencyLookup, IdempotencyRecord

_LOCK_NAMESPACE = b"paybridge:idempotency:"
# A batch of expired keys found in expiry order (the plan walks idempotency_keys_expires_at_idx and stops at
# the first live key) and deleted by row address (a TID scan): also as a generic plan, which cannot know how
# few keys have expired — joining the batch back by primary key made it scan the whole table.
PURGE_SQL: LiteralString = (
    "DELETE FROM idempotency_keys WHERE ctid = ANY(ARRAY("
    "SELECT ctid FROM idempotency_keys WHERE expires_at <= %s ORDER BY expires_at LIMIT %s))"
)


def advisory_lock_key(principal_id: UUID, key: str) -> int:
    digest = hashlib.sha256(_LOCK_NAMESPACE + principal_id.bytes + key.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class PostgresIdempotencyStore:
    def __init__(self, session: PostgresSession) -> None:
        self._session = session

    async def begin(self, principal_id: UUID, key: str, now: datetime) -> IdempotencyLookup:
        row = await self._session.fetchone(
            "lock",
            "idempotency_keys",
            "SELECT pg_try_advisory_xact_lock(%s), i.fingerprint, i.outcome, i.transaction_id,"
            " i.created_at, i.expires_at"
            " FROM (SELECT 1) AS one"
            " LEFT JOIN idempotency_keys i ON i.principal_id = %s AND i.key = %s",
            (advisory_lock_key(principal_id, key), principal_id, key),
        )
        if row is None:
            raise RuntimeError("the lock statement returned no row")
        if not row[0]:
            return IdempotencyLookup(locked=False)
        if row[1] is None:
            return IdempotencyLookup(locked=True)
        if row[5] <= now:
            await self._session.execute(
                "delete",
                "idempotency_keys",
                "DELETE FROM idempotency_keys WHERE principal_id = %s AND key = %s",
                (principal_id, key),
            )
            return IdempotencyLookup(locked=True)
        record = IdempotencyRecord(principal_id, key, row[1], row[2], row[4], row[5], row[3])
        return IdempotencyLookup(locked=True, record=record)

    async def save(self, record: IdempotencyRecord) -> None:
        await self._session.execute(
            "insert",
            "idempotency_keys",
            "INSERT INTO idempotency_keys (principal_id, key, fingerprint, outcome, transaction_id,"
            " created_at, expires_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (
                record.principal_id,
                record.key,
                record.fingerprint,
                Jsonb(record.outcome),
                record.transaction_id,
                record.created_at,
                record.expires_at,
            ),
        )

    async def purge_expired(self, now: datetime, batch_size: int) -> int:
        return await self._session.execute("delete", "idempotency_keys", PURGE_SQL, (now, batch_size))
