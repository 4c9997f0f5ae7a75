"""PostgreSQL express ledger: an idempotent money movement as one statement in autocommit — the key's
advisory lock, its lookup, every check under the wallet locks and every write in one round trip and one
transaction (the deferred ledger checks run at its commit, when the statement ends)."""

from __future__ import annotations

import logging
from typing import Any

from psycopg import AsyncConnection

from paybridge.adapters.postgres.database import PostgresDatabase
from paybridge.adapters.postgres.idempotency import advisory_lock_key
from paybridge.adapters.postgres.ledger import posting_params, statement_for
from paybridge.adapters.postgres.session import PostgresSession
from paybridge.application.ports.storage import ExpressOutcome, IdempotencyRecord, Presumption
from paybridge.domain.transactions import Posting

logger = logging.getLogger(__name__)


def express_params(posting: Posting, record: IdempotencyRecord, presumed: Presumption) -> dict[str, Any]:
    return {
        **posting_params(posting, record),
        "idem_lock": advisory_lock_key(record.principal_id, record.key),
        "presumed_owner": presumed.owner,
        "presumed_wallet": presumed.wallet_id,
        "presumed_system": presumed.system_wallet_id,
    }


class PostgresExpressLedger:
    def __init__(self, database: PostgresDatabase) -> None:
        self._database = database

    async def post(
        self, posting: Posting, record: IdempotencyRecord, presumed: Presumption
    ) -> ExpressOutcome:
        connection = await self._database.acquire()
        try:
            await connection.set_autocommit(True)
            row = await PostgresSession(connection, self._database.observer).fetchone_raw(
                "post",
                "transactions",
                statement_for(posting, express=True),
                express_params(posting, record, presumed),
            )
        finally:
            await _restore(connection)
            await self._database.release(connection)
        if row is None:
            raise RuntimeError("the posting statement returned no row")
        taken, fingerprint = row[7], row[8]
        if not taken:
            return ExpressOutcome(busy=True)
        if fingerprint is not None:
            stored = IdempotencyRecord(
                record.principal_id, record.key, fingerprint, row[9], row[11], row[12], row[10]
            )
            return ExpressOutcome(stored=stored)
        if not row[0]:
            return ExpressOutcome()
        if posting.events:
            self._database.outbox_notifier.poke()
        return ExpressOutcome(posted=True)


async def _restore(connection: AsyncConnection[Any]) -> None:
    """Back to the pool's transactional mode; a connection that cannot be is closed (the pool drops it)."""
    if connection.broken or connection.closed:
        return
    try:
        await connection.set_autocommit(False)
    except Exception:
        logger.warning("could not leave autocommit; discarding the connection", exc_info=True)
        await connection.close()
