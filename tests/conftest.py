"""Fixtures shared by every test: PostgreSQL provisioning (logic in tests/support/postgres.py).

- `pg_server_url` (session): maintenance-database URL of the server under test.
- `new_database` (session): `new_database(prefix="pb") -> url` of a fresh, empty database; all are dropped
  at the end of the session.
- `migrated_database_url` (session): one fresh database with every migration applied, shared by the session.

Nothing starts until a test asks for one of these, so unit tests run without PostgreSQL.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from paybridge.adapters.postgres.migrations import YoyoMigrator
from paybridge.config import Settings
from tests.support.postgres import DatabaseFactory, ServerUnavailableError, provision_server


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    failure: str | None = None
    try:
        with provision_server() as url:
            yield url
    except ServerUnavailableError as exc:
        failure = str(exc)
    if failure is not None:  # outside `except`, so the report is the message alone, not a chained traceback
        pytest.fail(failure, pytrace=False)


@pytest.fixture(scope="session")
def new_database(pg_server_url: str) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(pg_server_url)
    try:
        yield factory
    finally:
        factory.drop_all()


@pytest.fixture(scope="session")
def migrated_database_url(new_database: DatabaseFactory) -> str:
    url = new_database("pb")
    YoyoMigrator(url, Settings().migrations_dir).up()
    return url


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """In CI (PAYBRIDGE_REQUIRE_TEST_SERVERS=1) a skipped test is a failed test: nothing may quietly not run."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.skipped and os.environ.get("PAYBRIDGE_REQUIRE_TEST_SERVERS") == "1":
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, which is not allowed: {report.longrepr}"
