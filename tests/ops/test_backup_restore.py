"""Backup and restore, end to end: ops/scripts/backup.sh (the backup CronJob's script) dumps a ledger written
by the service; ops/scripts/restore.sh restores it into a fresh database and `paybridge audit` passes there,
with every balance as it was. A non-empty target is refused; a dump of a broken ledger restores but fails
the audit (exit 1); old dumps are pruned."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import psycopg
import pytest

from paybridge.adapters.postgres.migrations import YoyoMigrator
from paybridge.config import Settings
from tests.ops.ledger_data import populate
from tests.ops.tools import OPS, postgres_client_dir
from tests.support.postgres import DatabaseFactory
from tests.support.server import PAYBRIDGE, server_env

pytestmark = pytest.mark.integration
SCRIPTS = OPS / "scripts"


def backup(database_url: str, directory: Path, client: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "BACKUP_DIR": str(directory),
        "PG_DUMP": str(client / "pg_dump"),
    }
    return subprocess.run(
        ["sh", str(SCRIPTS / "backup.sh")], env=env, capture_output=True, text=True, timeout=120
    )


def restore(dump: Path, target_url: str, client: Path, report: Path) -> subprocess.CompletedProcess[str]:
    env = {**server_env(None), "PG_BIN": str(client), "PAYBRIDGE": PAYBRIDGE, "AUDIT_REPORT": str(report)}
    return subprocess.run(
        ["sh", str(SCRIPTS / "restore.sh"), str(dump), target_url],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def balances(url: str) -> list[tuple[str, str, int]]:
    with psycopg.connect(url) as connection:
        rows = connection.execute("SELECT id::text, currency, balance FROM wallets ORDER BY id").fetchall()
    return [(str(wallet), str(currency), int(balance)) for wallet, currency, balance in rows]


@pytest.fixture(scope="module")
async def source_url(new_database: DatabaseFactory) -> str:
    url = new_database("pbsrc")
    YoyoMigrator(url, Settings().migrations_dir).up()
    await populate(url, users=3)
    return url


def test_a_backup_restores_into_a_fresh_database_and_passes_the_audit(
    source_url: str, new_database: DatabaseFactory, pg_server_url: str, tmp_path: Path
) -> None:
    client = postgres_client_dir(pg_server_url)
    made = backup(source_url, tmp_path, client)
    assert made.returncode == 0, made.stderr
    dump = Path(made.stdout.strip())
    assert dump.parent == tmp_path and dump.name.startswith("paybridge-") and dump.suffix == ".dump"
    assert dump.stat().st_size > 0 and not list(tmp_path.glob("*.partial"))

    target = new_database("pbrestore")
    report_path = tmp_path / "audit.json"
    restored = restore(dump, target, client, report_path)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    report = json.loads(report_path.read_text())
    assert report["ok"] is True and report["counts"]["transactions"] == 24  # see populate()
    assert json.loads(restored.stdout) == report
    assert "0006_outbox_relay" in restored.stderr and "applied" in restored.stderr  # migrate list
    assert balances(target) == balances(source_url)


def test_restore_refuses_a_database_that_is_not_empty(
    source_url: str, pg_server_url: str, tmp_path: Path
) -> None:
    client = postgres_client_dir(pg_server_url)
    made = backup(source_url, tmp_path, client)
    assert made.returncode == 0, made.stderr
    refused = restore(Path(made.stdout.strip()), source_url, client, tmp_path / "audit.json")
    assert refused.returncode == 3
    assert "not empty" in refused.stderr
    assert not (tmp_path / "audit.json").exists()


def test_a_dump_of_a_broken_ledger_restores_but_fails_the_audit(
    source_url: str, new_database: DatabaseFactory, pg_server_url: str, tmp_path: Path
) -> None:
    client = postgres_client_dir(pg_server_url)
    broken = new_database("pbbroken")
    YoyoMigrator(broken, Settings().migrations_dir).up()
    with psycopg.connect(broken) as connection:
        connection.execute(
            "INSERT INTO wallets (id, kind, system_code, currency, status, balance, created_at, updated_at)"
            " VALUES (gen_random_uuid(), 'SYSTEM', 'stray', 'USD', 'ACTIVE', 42, now(), now())"
        )
    made = backup(broken, tmp_path, client)
    assert made.returncode == 0, made.stderr
    target = new_database("pbrestore")
    restored = restore(Path(made.stdout.strip()), target, client, tmp_path / "audit.json")
    assert restored.returncode == 1, restored.stdout + restored.stderr
    report = json.loads((tmp_path / "audit.json").read_text())
    assert report["currency_totals"] == {"USD": 42}
    assert "audit found violations" in restored.stderr


def test_backups_older_than_the_retention_are_pruned(
    source_url: str, pg_server_url: str, tmp_path: Path
) -> None:
    old = tmp_path / "paybridge-20200101T000000Z.dump"
    old.write_bytes(b"old")
    month_ago = time.time() - 30 * 86_400
    os.utime(old, (month_ago, month_ago))
    unrelated = tmp_path / "notes.txt"
    unrelated.write_text("kept")
    made = backup(source_url, tmp_path, postgres_client_dir(pg_server_url))
    assert made.returncode == 0, made.stderr
    assert not old.exists() and unrelated.exists() and Path(made.stdout.strip()).exists()
