"""The history lists stay on their (wallet, position) indexes however skewed the data: a wallet with a long
history that newer rows of other wallets have buried must not make PostgreSQL walk the primary key backwards
and filter everyone else's rows away (that took 162-340 ms at 10^6 rows, docs/performance.md). The plans are
those of the statements the real app sends for GET /transactions and GET /wallets/{id}/entries (recorded
through the ASGI app), for these values and as the generic plan of a prepared statement. No timings: the
plan's shape and the rows it threw away."""

from __future__ import annotations

import re

import pytest

from bench.scale import explain, seed_history
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


@pytest.mark.parametrize("endpoint", ["transactions", "entries"])
def test_a_buried_history_is_read_through_its_wallet_index(plans: dict[str, str], endpoint: str) -> None:
    plan = plans[endpoint]
    custom, generic = plan.split("-- generic plan")
    for shape in (custom, generic):
        assert "Backward using ledger_entries_pkey" not in shape
        assert "Backward using transactions_seq_key" not in shape
        removed = sum(int(n) for n in re.findall(r"Rows Removed by Filter: (\d+)", shape))
        assert removed < 100, shape
        assert "JIT" not in shape, shape  # compiling a 0.2 ms query cost 14-30 ms (the app turns JIT off)
    index = "ledger_entries_wallet_id_idx" if endpoint == "entries" else "transactions_source_seq_idx"
    assert index in custom and index in generic, plan
