"""Ceiling A must send exactly what a transfer sends: this fails when the money path's SQL and
bench/sql/transfer_ceiling_a.sql drift apart (regenerate with `.venv/bin/python -m bench.ceiling_a --write`)."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from bench.ceiling_a import drift
from bench.ceiling_script import CEILING_A
from bench.transfer_sql import POOL_CHECK, Sent, capture_transfer
from paybridge.adapters.postgres.migrations import YoyoMigrator
from paybridge.config import Settings
from tests.support.postgres import DatabaseFactory

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def transfer_database(new_database: DatabaseFactory) -> str:
    url = new_database("bench")
    YoyoMigrator(url, Settings().migrations_dir).up()
    return url


@pytest.fixture(scope="module")
async def recorded(transfer_database: str) -> list[Sent]:
    return await capture_transfer(transfer_database)


def test_a_transfer_is_one_statement_in_autocommit(recorded: list[Sent]) -> None:
    texts = [sent.text for sent in recorded if sent.text != POOL_CHECK]
    assert len(texts) == 1 and "BEGIN" not in texts  # the express path: one round trip, its own transaction
    assert "pg_try_advisory_xact_lock" in texts[0]  # the idempotency key is taken in it
    assert "INSERT INTO ledger_entries" in texts[0] and "INSERT INTO outbox" in texts[0]


def test_ceiling_a_sends_the_transfer_sql(recorded: list[Sent], transfer_database: str) -> None:
    with psycopg.connect(transfer_database) as conn:
        problems = drift(recorded, conn)
    assert not problems, (
        "bench/sql/transfer_ceiling_a.sql no longer matches the transfer's SQL; regenerate it with"
        " `.venv/bin/python -m bench.ceiling_a --write` and review the diff:\n" + "\n".join(problems)
    )


def test_a_changed_statement_is_drift(recorded: list[Sent], transfer_database: str, tmp_path: Path) -> None:
    changed = tmp_path / "ceiling_a.sql"
    changed.write_text(CEILING_A.read_text().replace("FOR UPDATE", "FOR NO KEY UPDATE", 1))
    with psycopg.connect(transfer_database) as conn:
        assert any("pb_post differs" in problem for problem in drift(recorded, conn, changed))
    dropped = tmp_path / "dropped.sql"
    dropped.write_text(CEILING_A.read_text().replace("EXECUTE pb_post", "-- EXECUTE pb_post", 1))
    with psycopg.connect(transfer_database) as conn:
        assert any("transfer statements differ" in problem for problem in drift(recorded, conn, dropped))
