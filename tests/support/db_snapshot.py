"""The whole database's state in a few numbers, to prove that a refused request changed nothing.

`snapshot(url, actor)` returns, for every table of the application's schema (new tables are included as
migrations add them; yoyo's bookkeeping is left out), its row count and an md5 digest of all its rows as
text — every column, so a changed balance, status, version or timestamp shows — plus the outbox's highest
sequence number. Idempotency records of `actor` are left out of the digest: a refused money movement is
remembered for its key (so a retry replays the refusal), and that record belongs to the caller alone —
but the number of the actor's records that point at a transaction is part of the snapshot.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

_TABLES = """
SELECT table_name FROM information_schema.tables
WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name NOT LIKE '%yoyo%'
ORDER BY table_name
"""


async def snapshot(url: str, actor: str | None = None) -> dict[str, Any]:
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        tables = [row[0] for row in await (await conn.execute(_TABLES)).fetchall()]
        state: dict[str, Any] = {}
        for table in tables:
            where = sql.SQL("")
            params: tuple[Any, ...] = ()
            if table == "idempotency_keys" and actor is not None:
                where = sql.SQL(" WHERE principal_id <> %s::uuid")
                params = (actor,)
            query = (
                sql.SQL(
                    "SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {} AS t"
                ).format(sql.Identifier(table))
                + where
            )
            row = await (await conn.execute(query, params)).fetchone()
            state[table] = row
        seq = await (await conn.execute("SELECT coalesce(max(seq), 0) FROM outbox")).fetchone()
        state["outbox.max_seq"] = seq[0] if seq else None
        if actor is not None:
            keyed = await (
                await conn.execute(
                    "SELECT count(*) FROM idempotency_keys"
                    " WHERE principal_id = %s::uuid AND transaction_id IS NOT NULL",
                    (actor,),
                )
            ).fetchone()
            state["idempotency_keys of the actor with a transaction"] = keyed[0] if keyed else None
    return state


def changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The tables whose count or content differ, for an assertion message."""
    return [name for name in sorted(set(before) | set(after)) if before.get(name) != after.get(name)]
