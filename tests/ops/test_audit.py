"""`paybridge audit`: a ledger written by the service passes; a copy corrupted in every way the audit knows
fails with exit 1 and names each violation; the gauges reach a Pushgateway; an audit that cannot run says so.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from typing import ClassVar
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg import sql

from paybridge.adapters.postgres.migrations import YoyoMigrator
from paybridge.application.ports.audit import LedgerFindings, NegativeBalance
from paybridge.application.use_cases.audit import CHECKS, build_report
from paybridge.audit_bootstrap import without_password
from paybridge.config import Settings
from tests.ops.ledger_data import populate, run_audit
from tests.support.postgres import DatabaseFactory, url_for_database
from tests.support.server import free_port

pytestmark = pytest.mark.integration


def clone_database(new_database: DatabaseFactory, source_url: str) -> str:
    """A copy of `source_url`'s database (CREATE DATABASE … TEMPLATE), dropped with the session's others."""
    url = new_database("pbcopy")
    name, source = (urlsplit(u).path.lstrip("/") for u in (url, source_url))
    with psycopg.connect(url_for_database(url, "postgres"), autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE {}").format(sql.Identifier(name)))
        connection.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(source))
        )
    return url


@pytest.fixture(scope="module")
async def ledger_url(new_database: DatabaseFactory) -> str:
    url = new_database("pbledger")
    YoyoMigrator(url, Settings().migrations_dir).up()
    await populate(url)
    return url


def test_a_ledger_written_by_the_service_passes_every_check(ledger_url: str) -> None:
    run = run_audit(ledger_url)
    assert run.returncode == 0, run.stderr
    assert run.report is not None
    assert run.report["ok"] is True and run.report["violations"] == 0
    assert run.report["database"] == ledger_url  # no password in this URL; one would read ***
    assert [check["name"] for check in run.report["checks"]] == list(CHECKS)
    assert run.report["currency_totals"] == {"EUR": 0, "USD": 0}
    assert run.report["counts"]["transactions"] == 30  # 4 users x 3 movements x 2 currencies + 3 flows x 2
    holds = next(check for check in run.report["checks"] if check["name"] == "holds_consistent")
    with psycopg.connect(ledger_url) as connection:
        tracked = connection.execute(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'wallets' AND column_name = 'held'"
        ).fetchone()
    assert tracked is not None
    assert holds["ok"] is True and holds["applicable"] is (tracked[0] == 1)


CORRUPTION = """
-- money from nothing: a USD user wallet gains 1 without a ledger entry
UPDATE wallets SET balance = balance + 1
 WHERE id = (SELECT id FROM wallets WHERE kind = 'USER' AND currency = 'USD' ORDER BY id LIMIT 1);
-- a negative user balance (every CHECK constraint of wallets dropped first, as a buggy migration might)
DO $$
DECLARE c record;
BEGIN
    FOR c IN SELECT conname FROM pg_constraint WHERE conrelid = 'wallets'::regclass AND contype = 'c' LOOP
        EXECUTE format('ALTER TABLE wallets DROP CONSTRAINT %I', c.conname);
    END LOOP;
END $$;
UPDATE wallets SET balance = -50
 WHERE id = (SELECT id FROM wallets WHERE kind = 'USER' AND currency = 'USD' ORDER BY id OFFSET 1 LIMIT 1);
-- an unbalanced transaction: one more entry (triggers off), its wallet's balance kept in step
SET session_replication_role = replica;
INSERT INTO ledger_entries (transaction_id, wallet_id, amount, currency, balance_after, created_at)
SELECT id, destination_wallet_id, 5, currency, 0, now() FROM transactions
 WHERE type = 'TRANSFER' AND currency = 'EUR' ORDER BY id LIMIT 1;
UPDATE wallets SET balance = balance + 5 WHERE id = (
  SELECT destination_wallet_id FROM transactions WHERE type = 'TRANSFER' AND currency = 'EUR' ORDER BY id LIMIT 1);
SET session_replication_role = origin;
-- a transaction whose event was lost, and one whose event was written twice
DELETE FROM outbox WHERE aggregate_id = (SELECT id::text FROM transactions WHERE type = 'DEPOSIT' ORDER BY id LIMIT 1);
INSERT INTO outbox (id, aggregate_type, aggregate_id, event_type, payload, created_at)
SELECT gen_random_uuid(), aggregate_type, aggregate_id, event_type, payload, created_at FROM outbox
 WHERE aggregate_id = (SELECT id::text FROM transactions WHERE type = 'WITHDRAWAL' ORDER BY id LIMIT 1);
-- an old transaction whose published event the relay purged: allowed
UPDATE transactions SET created_at = now() - interval '30 days'
 WHERE id = (SELECT id FROM transactions WHERE type = 'DEPOSIT' ORDER BY id OFFSET 1 LIMIT 1);
DELETE FROM outbox WHERE aggregate_id = (SELECT id::text FROM transactions WHERE type = 'DEPOSIT' ORDER BY id OFFSET 1 LIMIT 1);
-- held funds out of range (a holds feature's column)
ALTER TABLE wallets ADD COLUMN IF NOT EXISTS held bigint NOT NULL DEFAULT 0;
UPDATE wallets SET held = balance + 1
 WHERE id = (SELECT id FROM wallets WHERE kind = 'USER' AND currency = 'EUR' ORDER BY id DESC LIMIT 1);
UPDATE wallets SET held = -1
 WHERE id = (SELECT id FROM wallets WHERE kind = 'USER' AND currency = 'EUR' ORDER BY id DESC OFFSET 1 LIMIT 1);
"""


def test_a_corrupted_copy_fails_with_exit_1_and_names_every_violation(
    ledger_url: str, new_database: DatabaseFactory
) -> None:
    copy = clone_database(new_database, ledger_url)
    with psycopg.connect(copy, autocommit=True) as connection:
        connection.execute(CORRUPTION)
    run = run_audit(copy)
    assert run.returncode == 1, run.stderr
    assert run.report is not None and run.report["ok"] is False
    assert run.violations() == {
        "currency_sum_zero": 2,  # USD (+1, -50 …) and EUR (+5)
        "wallet_balance_matches_entries": 2,  # the +1 wallet and the -50 one (the +5 kept in step)
        "transaction_entries_sum_zero": 1,
        "no_negative_user_balance": 1,
        "holds_consistent": 3,  # held > balance, held < 0, and held 0 > balance -50
        "one_outbox_event_per_transaction": 2,  # lost and doubled; the purged old one is allowed
    }
    assert run.report["currency_totals"]["EUR"] == 5
    assert "VIOLATIONS" in run.stderr and "no_negative_user_balance=1" in run.stderr
    negative = next(c for c in run.report["checks"] if c["name"] == "no_negative_user_balance")
    assert negative["examples"][0]["balance"] == -50


def test_an_audit_that_cannot_reach_the_database_exits_3_without_a_report() -> None:
    run = run_audit(f"postgresql://postgres@127.0.0.1:{free_port()}/nothing", timeout=60.0)
    assert run.returncode == 3
    assert run.report is None
    assert "could not run" in run.stderr


class _Gateway(http.server.BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str, str, bytes]]] = []

    def do_PUT(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.received.append(("PUT", self.path, body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture
def pushgateway() -> Iterator[tuple[str, list[tuple[str, str, bytes]]]]:
    received: list[tuple[str, str, bytes]] = []
    handler = type("Gateway", (_Gateway,), {"received": received})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()


def test_the_audit_pushes_its_gauges_to_a_pushgateway(
    ledger_url: str, pushgateway: tuple[str, list[tuple[str, str, bytes]]]
) -> None:
    url, received = pushgateway
    run = run_audit(ledger_url, "--pushgateway", url)
    assert run.returncode == 0, run.stderr
    assert [(method, path) for method, path, _ in received] == [("PUT", "/metrics/job/paybridge-audit")]
    body = received[0][2].decode()
    assert 'paybridge_ledger_imbalance{currency="USD"} 0.0' in body
    assert 'paybridge_audit_violations{check="one_outbox_event_per_transaction"} 0.0' in body
    assert "paybridge_audit_last_run_timestamp_seconds" in body


def test_the_report_never_shows_the_database_password() -> None:
    assert without_password("postgresql://pay:s3cret@db:5432/ledger?sslmode=require") == (
        "postgresql://pay:***@db:5432/ledger?sslmode=require"
    )
    assert without_password("postgresql://pay@db/ledger") == "postgresql://pay@db/ledger"


def test_the_report_counts_every_violation_but_lists_only_the_examples_it_was_given() -> None:
    findings = LedgerFindings(
        currency_totals={"USD": 0, "JPY": -3},
        negative_balances=[NegativeBalance("w1", "USD", -1)],
        negative_balance_count=40,
    )
    report = build_report(findings, "2026-01-01T00:00:00+00:00")
    assert not report.ok
    assert report.violations()["no_negative_user_balance"] == 40
    assert report.violations()["currency_sum_zero"] == 1
    body = report.as_dict()
    assert body["violations"] == 41
    assert body["checks"][0]["examples"] == [{"currency": "JPY", "total": -3}]
