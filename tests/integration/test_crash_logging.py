"""Crashes of real `paybridge` processes are JSON log records, not plain-text tracebacks: a `serve` worker
that cannot start (its certificate is not PEM), the single in-process worker, a command that fails (creating
an administrator in a database without migrations) and a relay whose database does not answer. In each, every
non-empty line of stdout and of stderr is one JSON object, the crash is one record with the exception's type,
message and traceback, and the exit code is still 1. The supervisor still tells a worker that could not start
(stop, exit 1) from one that died after serving (replaced, exit 0 at shutdown). A scrape of the separate
metrics listener that fails is a JSON record too, not wsgiref's traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.postgres import DatabaseFactory
from tests.support.server import RunningServer, free_port, json_lines, run_paybridge, run_server, server_env

pytestmark = pytest.mark.integration


def all_records(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    return json_lines(result.stdout, "stdout") + json_lines(result.stderr, "stderr")


def crashes(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in records if r["logger"] == "paybridge.crash"]


def assert_crash_record(record: dict[str, Any], exc_type: str, in_message: str, in_traceback: str) -> None:
    assert record["level"] == "CRITICAL", record
    assert record["exc_type"] == exc_type, record
    assert in_message in record["exc_message"], record
    traceback = record["exc_info"]
    assert traceback.startswith("Traceback (most recent call last):"), traceback
    assert in_traceback in traceback, traceback
    assert traceback.rstrip().endswith(f"{exc_type.rpartition('.')[2]}: {record['exc_message']}"), traceback
    assert isinstance(record["pid"], int)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_worker_that_cannot_start_logs_its_crash_as_json(
    migrated_database_url: str, tmp_path: Path, workers: int
) -> None:
    """The app starts (the database answers), then hypercorn cannot load the certificate: a worker process
    (workers=2) or the serve process itself (workers=1) crashes with ssl.SSLError."""
    not_pem = tmp_path / "not-a-certificate.pem"
    not_pem.write_text("this is not a PEM certificate\n")
    result = run_paybridge(
        server_env(migrated_database_url),
        "serve",
        "--bind",
        f"127.0.0.1:{free_port()}",
        "--workers",
        str(workers),
        "--certfile",
        str(not_pem),
        "--keyfile",
        str(not_pem),
        timeout=120,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    records = all_records(result)
    assert "Process paybridge-worker" not in result.stderr  # multiprocessing's own report is gone
    crashed = crashes(records)
    assert crashed, records
    for record in crashed:
        assert_crash_record(record, "ssl.SSLError", "PEM", "load_cert_chain")
    if workers == 1:
        assert [r["msg"] for r in crashed] == ["uncaught exception"]
        return
    started = {r["pid"] for r in records if r["msg"] == "worker started"}
    assert {r["pid"] for r in crashed} <= started
    assert {r["msg"] for r in crashed} == {"worker crashed"}
    gave_up = [r for r in records if r["msg"] == "worker could not start; stopping"]
    assert len(gave_up) == 1 and gave_up[0]["exitcode"] == 1, records
    assert gave_up[0]["pid"] in {r["pid"] for r in crashed}
    assert not [r for r in records if r["msg"] == "worker died; starting a replacement"]


def _wait_for_lines(server: RunningServer, predicate: Callable[[dict[str, Any]], bool], count: int) -> None:
    deadline = time.monotonic() + 60
    while True:
        text = server.log()
        complete = text[: text.rfind("\n") + 1]  # the line being written is not a line yet
        if len([r for r in json_lines(complete, "log") if predicate(r)]) >= count:
            return
        assert time.monotonic() < deadline, text
        time.sleep(0.1)


def test_a_worker_that_dies_after_serving_is_replaced(migrated_database_url: str) -> None:
    with run_server(server_env(migrated_database_url), "--workers", "2") as server:
        _wait_for_lines(server, lambda r: r["msg"] == "worker listening", 2)
        pids = [r["pid"] for r in json_lines(server.log(), "log") if r["msg"] == "worker started"]
        assert len(pids) == 2, server.log()
        os.kill(pids[0], signal.SIGKILL)
        _wait_for_lines(server, lambda r: r["msg"] == "worker died; starting a replacement", 1)
        _wait_for_lines(server, lambda r: r["msg"] == "worker listening", 3)  # the replacement too
        assert httpx.get(f"{server.base_url}/live", timeout=10).status_code == 200
        assert server.stop() == 0, server.log()
        records = json_lines(server.log(), "log")
    died = [r for r in records if r["msg"] == "worker died; starting a replacement"]
    assert [(r["pid"], r["exitcode"]) for r in died] == [(pids[0], -signal.SIGKILL)]
    assert len([r for r in records if r["msg"] == "worker started"]) == 3
    assert not [r for r in records if r["msg"] == "worker could not start; stopping"]


def test_a_failing_command_logs_one_json_record(new_database: DatabaseFactory) -> None:
    """`users create-admin` before `migrate up`: psycopg's UndefinedTable escapes the command."""
    password = "admin password 12345"
    result = run_paybridge(
        server_env(new_database("pbcrash")),
        "users",
        "create-admin",
        "--email",
        "root@example.com",
        "--password",
        password,
        timeout=60,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert json_lines(result.stdout, "stdout") == []
    records = json_lines(result.stderr, "stderr")
    assert [r["logger"] for r in records] == ["paybridge.crash"], records
    assert_crash_record(
        records[0], "psycopg.errors.UndefinedTable", 'relation "users" does not exist', "create_admin"
    )
    assert password not in result.stderr


def test_a_relay_that_cannot_reach_its_database_logs_the_crash_as_json() -> None:
    """Nothing listens on the database port: the pool gives up after 30 s and `relay` exits 1."""
    env = server_env(
        f"postgresql://paybridge@127.0.0.1:{free_port()}/paybridge",
        PAYBRIDGE_NATS_URL=f"nats://127.0.0.1:{free_port()}",
    )
    result = run_paybridge(env, "relay", timeout=120)
    assert result.returncode == 1, result.stdout + result.stderr
    records = all_records(result)
    crashed = crashes(records)
    assert len(crashed) == 1, records
    assert_crash_record(crashed[0], "psycopg_pool.PoolTimeout", "pool initialization incomplete", "relay")
    assert crashed[0]["msg"] == "uncaught exception"


def test_a_failing_scrape_of_the_metrics_listener_is_logged_as_json(
    migrated_database_url: str, tmp_path: Path
) -> None:
    """A multiprocess metrics file that is not one (garbage bytes) makes prometheus_client raise."""
    metrics_port = free_port()
    env = server_env(migrated_database_url, PROMETHEUS_MULTIPROC_DIR=str(tmp_path))
    with run_server(env, "--metrics-bind", f"127.0.0.1:{metrics_port}") as server:
        scrape = f"http://127.0.0.1:{metrics_port}/metrics"
        assert httpx.get(scrape, timeout=10).status_code == 200
        (tmp_path / "counter_1.db").write_bytes(bytes(range(256)) * 2)
        failed = httpx.get(scrape, timeout=10)
        assert (failed.status_code, failed.text) == (500, "metrics unavailable\n")
        assert server.stop() == 0, server.log()
        records = json_lines(server.log(), "log")
    (record,) = [r for r in records if r["msg"] == "rendering the metrics failed"]
    assert (record["level"], record["logger"]) == ("ERROR", "paybridge.metrics")
    assert record["exc_type"] and record["exc_message"], (
        record
    )  # prometheus_client's complaint about the file
    assert record["exc_info"].startswith("Traceback (most recent call last):")
    assert "render_metrics" in record["exc_info"]
