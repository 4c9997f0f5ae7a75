"""Migrations against a real PostgreSQL: the library API, `paybridge migrate` and yoyo's own CLI."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from paybridge.adapters.postgres.embedded import start_embedded_postgres, stop_embedded_postgres
from paybridge.adapters.postgres.migrations import YoyoMigrator, yoyo_database_url
from paybridge.application.ports.security import Principal
from paybridge.application.ports.storage import PageRequest
from paybridge.application.use_cases.holds import PlaceHoldCommand
from paybridge.application.use_cases.move_money import DepositCommand
from paybridge.bootstrap import start, stop
from paybridge.config import Settings
from paybridge.domain.users import Role
from tests.support.containers import make_container
from tests.support.kyc import new_principal
from tests.support.postgres import DatabaseFactory

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS_DIR = Settings().migrations_dir
ALL_IDS = [
    "0001_users",
    "0002_wallets",
    "0003_transactions_ledger",
    "0004_idempotency_keys",
    "0005_outbox",
    "0006_outbox_relay",
    "0007_payment_flows",
    "0008_ledger_no_truncate",
    "0009_quote_purge",
    "0010_hold_list",
]
TABLES = {"users", "wallets", "transactions", "ledger_entries", "idempotency_keys", "outbox", "holds"}


def tables(url: str) -> set[str]:
    with psycopg.connect(url) as connection:
        rows = connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        ).fetchall()
    return {str(row[0]) for row in rows}


def executable(name: str) -> str:
    path = shutil.which(name, path=str(Path(sys.executable).parent))
    if path is None:
        pytest.fail(f"{name} is not installed next to {sys.executable}: run `pip install -e '.[dev]'`")
    return path


def run_cli(*args: str, cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL" and not k.startswith("PAYBRIDGE_")}
    env["PAYBRIDGE_ENV"] = "test"
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def database(new_database: DatabaseFactory) -> str:
    return new_database("pbmig")


@pytest.fixture
def migrator(database: str) -> YoyoMigrator:
    return YoyoMigrator(database, MIGRATIONS_DIR)


def test_up_down_all_and_up_again(migrator: YoyoMigrator, database: str) -> None:
    assert migrator.version() is None
    assert migrator.pending() == ALL_IDS

    assert migrator.up() == ALL_IDS
    assert tables(database) >= TABLES
    assert migrator.version() == ALL_IDS[-1]
    assert migrator.pending() == []
    assert migrator.applied() == ALL_IDS
    assert migrator.up() == []

    assert migrator.down_all() == list(reversed(ALL_IDS))
    assert not TABLES & tables(database)
    assert migrator.version() is None
    assert migrator.list() == [(i, False) for i in ALL_IDS]

    assert migrator.up() == ALL_IDS
    assert tables(database) >= TABLES


def test_down_one_then_up(migrator: YoyoMigrator, database: str) -> None:
    migrator.up()
    assert migrator.down() == ["0010_hold_list"]
    assert migrator.down() == ["0009_quote_purge"]
    assert migrator.down() == ["0008_ledger_no_truncate"]
    assert migrator.down() == ["0007_payment_flows"]
    assert "holds" not in tables(database)
    assert migrator.down() == ["0006_outbox_relay"]
    assert migrator.down() == ["0005_outbox"]
    assert "outbox" not in tables(database)
    assert migrator.version() == "0004_idempotency_keys"
    assert migrator.pending() == ALL_IDS[4:]
    assert migrator.down(2) == ["0004_idempotency_keys", "0003_transactions_ledger"]
    assert migrator.up() == ALL_IDS[2:]
    assert migrator.version() == ALL_IDS[-1]
    with pytest.raises(ValueError, match="steps"):
        migrator.down(0)


async def _place_holds(url: str, owner: Principal | None, count: int, void_first: bool) -> Principal:
    """`count` holds on the owner's wallet (a new verified user's, when None); the first then voided."""
    container = make_container("postgres", url)
    await start(container)
    try:
        if owner is None:
            owner = await new_principal(container)
            wallet = await container.open_wallet()(owner, "USD")
            admin = await new_principal(container, Role.ADMIN, verified=False)
            await container.deposit_money()(admin, DepositCommand(wallet.id, 10_000, "USD"), "seed")
        (wallet_id,) = [w.id for w in (await container.list_wallets()(owner, PageRequest())).items]
        place = container.place_hold()
        placed = [
            (await place(owner, PlaceHoldCommand(wallet_id, 100 + n, "USD"), f"h-{count}-{n}")).hold
            for n in range(count)
        ]
        if void_first and placed[0] is not None:
            await container.void_hold()(owner, placed[0].id, None, "void")
    finally:
        await stop(container)
    return owner


async def _listed_amounts(url: str, owner: Principal) -> list[int]:
    container = make_container("postgres", url)
    await start(container)
    try:
        return [h.amount.amount for h in (await container.list_holds()(owner, PageRequest())).items]
    finally:
        await stop(container)


def test_holds_placed_before_the_hold_list_keep_their_order(migrator: YoyoMigrator, database: str) -> None:
    """0010 numbers existing holds in their order of placement, not in the order their rows lie in: voiding
    the first hold rewrote its row after the others'."""
    migrator.up()
    assert migrator.down() == ["0010_hold_list"]
    owner = asyncio.run(_place_holds(database, None, 3, void_first=True))
    assert migrator.up() == ["0010_hold_list"]
    asyncio.run(_place_holds(database, owner, 1, void_first=False))  # after the migration: the newest
    assert asyncio.run(_listed_amounts(database, owner)) == [100, 102, 101, 100]


def test_force_records_a_version_without_running_sql(migrator: YoyoMigrator, database: str) -> None:
    migrator.up()
    migrator.force("0003")
    assert migrator.version() == "0003_transactions_ledger"
    assert migrator.pending() == ALL_IDS[3:]
    assert tables(database) >= TABLES, "force must not run rollback SQL"

    migrator.force("0005_outbox")
    assert migrator.version() == "0005_outbox"
    assert migrator.pending() == ALL_IDS[5:]

    migrator.force("3")
    assert migrator.version() == "0003_transactions_ledger"
    migrator.force("none")
    assert migrator.version() is None
    migrator.force(ALL_IDS[-1])
    assert migrator.applied() == ALL_IDS

    for unknown in ("0042", "42", "0003_nope", "outbox", ""):
        with pytest.raises(ValueError, match="unknown migration version"):
            migrator.force(unknown)
    assert migrator.version() == ALL_IDS[-1]


def test_create_writes_the_next_numbered_pair(tmp_path: Path, database: str) -> None:
    migrations_dir = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, migrations_dir)
    migrator = YoyoMigrator(database, migrations_dir)

    apply_path, rollback_path = migrator.create("add_wallet_limits")

    following = int(ALL_IDS[-1][:4]) + 1  # the number after the newest migration, whatever it is
    created = f"{following:04d}_add_wallet_limits"
    assert apply_path == migrations_dir / f"{created}.sql"
    assert rollback_path == migrations_dir / f"{created}.rollback.sql"
    assert apply_path.read_text().splitlines()[0] == f"-- depends: {ALL_IDS[-1]}"
    assert rollback_path.exists()
    apply_path.write_text(apply_path.read_text() + "CREATE TABLE wallet_limits (id int PRIMARY KEY);\n")
    rollback_path.write_text("DROP TABLE wallet_limits;\n")
    assert migrator.up() == [*ALL_IDS, created]
    assert "wallet_limits" in tables(database)
    assert migrator.down() == [created]
    assert "wallet_limits" not in tables(database)

    assert migrator.create("second_one")[0].name == f"{following + 1:04d}_second_one.sql"
    for bad in ("AddLimits", "add-limits", "1_add", "", "add__limits", "add limits"):
        with pytest.raises(ValueError, match="snake_case"):
            migrator.create(bad)


def test_urls_are_converted_for_yoyo() -> None:
    assert yoyo_database_url("postgresql://u:p@h:5432/db") == "postgresql+psycopg://u:p@h:5432/db"
    assert (
        yoyo_database_url("postgres://u@h/db?sslmode=require")
        == "postgresql+psycopg://u@h/db?sslmode=require"
    )
    socket_url = "postgresql://postgres:@/pb?host=/tmp/pgdata"
    assert yoyo_database_url(socket_url) == "postgresql+psycopg://postgres:@/pb?host=/tmp/pgdata"
    with pytest.raises(ValueError, match="PostgreSQL"):
        yoyo_database_url("mysql://u@h/db")


def test_embedded_server_socket_url_works_with_yoyo(tmp_path: Path) -> None:
    url = start_embedded_postgres(tmp_path, database="pb_embedded")
    try:
        assert url.startswith("postgresql://") and "/pb_embedded?host=" in url, url
        assert start_embedded_postgres(tmp_path, database="pb_embedded") == url, "second start reuses it"
        migrator = YoyoMigrator(url, MIGRATIONS_DIR)
        assert migrator.up() == ALL_IDS
        assert tables(url) >= TABLES
        assert migrator.down_all() == list(reversed(ALL_IDS))
    finally:
        stop_embedded_postgres(tmp_path)


def test_paybridge_migrate_cli(database: str) -> None:
    paybridge = executable("paybridge")

    up = run_cli(paybridge, "migrate", "up", "--database-url", database)
    assert up.returncode == 0, up.stderr
    assert up.stdout.splitlines() == [f"applied {i}" for i in ALL_IDS]

    version = run_cli(paybridge, "migrate", "version", "--database-url", database)
    assert (version.returncode, version.stdout.strip()) == (0, ALL_IDS[-1]), version.stderr

    listed = run_cli(paybridge, "migrate", "--database-url", database, "list")
    assert listed.returncode == 0, listed.stderr
    assert [line.split() for line in listed.stdout.splitlines()] == [[i, "applied"] for i in ALL_IDS]

    down_all = run_cli(paybridge, "migrate", "down-all", "--database-url", database)
    assert down_all.returncode == 0, down_all.stderr
    assert down_all.stdout.splitlines() == [f"rolled back {i}" for i in reversed(ALL_IDS)]

    listed = run_cli(paybridge, "migrate", "list", "--database-url", database)
    assert [line.split() for line in listed.stdout.splitlines()] == [[i, "pending"] for i in ALL_IDS]
    version = run_cli(paybridge, "migrate", "version", "--database-url", database)
    assert version.stdout.strip() == "none"

    bad = run_cli(paybridge, "migrate", "force", "0042", "--database-url", database)
    assert bad.returncode == 2
    assert "unknown migration version" in bad.stderr


def test_yoyo_cli_uses_repository_yoyo_ini(database: str) -> None:
    yoyo = executable("yoyo")
    yoyo_url = yoyo_database_url(database)

    listed = run_cli(yoyo, "list", "--database", yoyo_url)
    assert listed.returncode == 0, listed.stderr
    assert [line.split()[:2] for line in listed.stdout.splitlines()[2:]] == [["U", i] for i in ALL_IDS]

    applied = run_cli(yoyo, "apply", "--database", yoyo_url)
    assert applied.returncode == 0, applied.stderr
    assert YoyoMigrator(database, MIGRATIONS_DIR).version() == ALL_IDS[-1]

    rolled_back = run_cli(yoyo, "rollback", "--all", "--database", yoyo_url)
    assert rolled_back.returncode == 0, rolled_back.stderr
    assert YoyoMigrator(database, MIGRATIONS_DIR).version() is None
