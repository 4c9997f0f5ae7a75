"""The monitored stack of the ops tests: a real `paybridge serve` (its own database, /metrics on a separate
`--metrics-bind` listener as in production) scraped every second by a real Prometheus that evaluates the
shipped rules with `for:` shortened to 5 s. Started once, on the first test that asks for it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from paybridge.adapters.postgres.migrations import YoyoMigrator
from paybridge.config import Settings
from tests.ops.prometheus_server import RunningPrometheus, rules_for_tests, run_prometheus
from tests.support.postgres import DatabaseFactory
from tests.support.server import RunningServer, free_port, run_server, server_env

API_JOB = "paybridge-api"


@dataclass
class MonitoredApi:
    server: RunningServer
    metrics_url: str
    database_url: str
    prometheus: RunningPrometheus


@pytest.fixture(scope="session")
def monitored_api(
    new_database: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MonitoredApi]:
    database_url = new_database("pbmon")
    YoyoMigrator(database_url, Settings().migrations_dir).up()
    metrics_bind = f"127.0.0.1:{free_port()}"
    # A short pool timeout: with the database gone, requests answer 503 after 1 s instead of 5 s.
    env = server_env(database_url, PAYBRIDGE_DB_POOL_TIMEOUT_SECONDS="1")
    directory = tmp_path_factory.mktemp("prometheus")
    with run_server(env, "--metrics-bind", metrics_bind) as server:
        rules = rules_for_tests(directory)
        with run_prometheus(directory, {API_JOB: [metrics_bind]}, rules) as prometheus:
            yield MonitoredApi(server, f"http://{metrics_bind}/metrics", database_url, prometheus)
