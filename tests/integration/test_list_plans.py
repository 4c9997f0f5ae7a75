"""The history lists stay on their (wallet, position) indexes however skewed the data: a wallet with a long
history that newer rows of other wallets have buried must not make PostgreSQL walk the primary key backwards
and filter everyone else's rows away (that took 162-340 ms at 10^6 rows, docs/performance.md). The plans are
those of the statements the real app sends for GET /transactions, GET /wallets/{id}/entries and GET /holds
(recorded through the ASGI app), for these values and as the generic plan of a prepared statement. No
timings: the plan's shape and the rows it threw away."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import psycopg
import pytest
from psycopg import sql

from bench.scale import BALANCE, explain, explain_paths, seed_history
from bench.seed import SeededWallet, mint_token, seed
from paybridge.adapters.postgres.migrations import YoyoMigrator
from paybridge.config import Settings
from tests.support.postgres import DatabaseFactory

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def plans(new_database: DatabaseFactory) -> dict[str, str]:
    url = new_database("plans")
    YoyoMigrator(url, Settings().migrations_dir).up()
    old = seed_history(url, 20_000)  # the wallet we list: 20,000 transfers ...
    seed_history(url, 40_000)  # ... then 40,000 newer transfers of two other wallets bury them
    return explain(url, old)


def assert_index_driven(plan: str, *indexes: str) -> None:
    """Both plans (custom and generic) use every one of `indexes`, filter away fewer than 100 rows, walk
    no primary or position key backwards, scan no table whole and were not JIT-compiled."""
    custom, generic = plan.split("-- generic plan")
    for shape in (custom, generic):
        assert "Backward using ledger_entries_pkey" not in shape
        assert "Backward using transactions_seq_key" not in shape
        assert "Seq Scan" not in shape, shape
        removed = sum(int(n) for n in re.findall(r"Rows Removed by Filter: (\d+)", shape))
        assert removed < 100, shape
        assert "JIT" not in shape, shape  # compiling a 0.2 ms query cost 14-30 ms (the app turns JIT off)
        for index in indexes:
            assert index in shape, f"{index} not used:\n{plan}"


@pytest.mark.parametrize("endpoint", ["transactions", "entries"])
def test_a_buried_history_is_read_through_its_wallet_index(plans: dict[str, str], endpoint: str) -> None:
    index = "ledger_entries_wallet_id_idx" if endpoint == "entries" else "transactions_source_seq_idx"
    assert_index_driven(plans[endpoint], index)


_HOLD_TRANSACTIONS = """
INSERT INTO transactions (id, type, status, amount, currency, source_wallet_id, destination_wallet_id,
                          initiated_by, created_at)
SELECT md5(%(salt)s || i)::uuid, 'HOLD', CASE WHEN i <= %(pending)s THEN 'PENDING' ELSE 'CANCELLED' END, 1,
       'USD', %(source)s::uuid, CASE WHEN i %% 10 = 0 THEN %(to)s::uuid END, %(user)s::uuid,
       %(base)s::timestamptz + i * interval '1 microsecond'
  FROM generate_series(1, %(n)s::int) AS i
 ORDER BY i
"""
_HOLDS = """
INSERT INTO holds (id, wallet_id, destination_wallet_id, amount, currency, status, expires_at, created_at,
                   updated_at)
SELECT md5(%(salt)s || i)::uuid, %(source)s::uuid, CASE WHEN i %% 10 = 0 THEN %(to)s::uuid END, 1, 'USD',
       CASE WHEN i <= %(pending)s THEN 'PENDING' ELSE 'VOIDED' END, %(base)s::timestamptz + interval '7 days',
       %(base)s::timestamptz + i * interval '1 microsecond', %(base)s::timestamptz + i * interval '1 microsecond'
  FROM generate_series(1, %(n)s::int) AS i
 ORDER BY i
"""


def _place(url: str, source: SeededWallet, to: SeededWallet | None, pending: int, n: int) -> None:
    """`n` holds on `source` (every tenth made out to `to`), the first `pending` PENDING, the rest voided."""
    params = {
        "salt": f"holds-{source.wallet_id}-{n}-",
        "source": source.wallet_id,
        "to": to.wallet_id if to else None,
        "user": source.user_id,
        "pending": pending,
        "n": n,
        "base": datetime.now(UTC),
    }
    with psycopg.connect(url) as conn:
        conn.execute(_HOLD_TRANSACTIONS, params)
        conn.execute(_HOLDS, params)
        conn.execute("UPDATE wallets SET held = held + %s WHERE id = %s", (pending, source.wallet_id))


@pytest.fixture(scope="module")
def hold_plans(new_database: DatabaseFactory) -> dict[str, str]:
    """The owner's few pending holds are the oldest: 3,000 holds it voided since, 20,000 newer holds of
    another user (2,000 of them made out to the owner's wallet, all voided) bury them."""
    url = new_database("plans")
    YoyoMigrator(url, Settings().migrations_dir).up()
    owner, other = seed(url, 2, BALANCE)
    _place(url, owner, None, pending=30, n=3_030)
    _place(url, other, owner, pending=0, n=20_000)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("UPDATE users SET role = 'admin' WHERE id = %s", (other.user_id,))
        for table in ("transactions", "holds", "wallets"):
            conn.execute(sql.SQL("VACUUM (ANALYZE) {}").format(sql.Identifier(table)))
    admin = mint_token(other.user_id, datetime.now(UTC), role="admin")
    mine = {
        "holds": "/api/v1/holds?limit=20",
        "pending holds": "/api/v1/holds?status=PENDING&limit=20",
        "pending holds of a wallet": f"/api/v1/holds?wallet_id={owner.wallet_id}&status=PENDING&limit=20",
    }
    every = {"all holds (admin)": "/api/v1/holds?limit=20", "pending (admin)": "/api/v1/holds?status=PENDING"}
    return {**explain_paths(url, owner.token, mine), **explain_paths(url, admin, every)}


@pytest.mark.parametrize(
    "endpoint",
    ["holds", "pending holds", "pending holds of a wallet", "all holds (admin)", "pending (admin)"],
)
def test_buried_holds_are_read_through_their_wallet_and_status_indexes(
    hold_plans: dict[str, str], endpoint: str
) -> None:
    if endpoint.endswith("(admin)"):
        assert_index_driven(hold_plans[endpoint], "holds_status_seq_idx")
    else:
        assert_index_driven(
            hold_plans[endpoint], "holds_wallet_status_seq_idx", "holds_destination_status_seq_idx"
        )
