"""Prometheus multiprocess mode: values written by several processes into PROMETHEUS_MULTIPROC_DIR add up in
one rendering, gauges follow their documented modes, and a stopped process's live gauges disappear.

Multiprocess mode is chosen when prometheus_client is imported, so the writers are subprocesses started
with the variable set; the aggregate is rendered here with `render_metrics(directory)`, as the supervisor's
metrics listener does. (`paybridge serve --workers 2` end to end is tested with the server.)
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from paybridge.adapters.prometheus.exporter import mark_process_dead, multiprocess_directory, render_metrics
from tests.support.metrics import parse, sample

METRICS_WRITER = """
import os, sys
from paybridge.adapters.prometheus.exporter import multiprocess_directory
from paybridge.adapters.prometheus.metrics import PrometheusMetrics
from paybridge.application.ports.health import PoolStatus

finished, in_flight, pending = (int(arg) for arg in sys.argv[1:4])
metrics = PrometheusMetrics(multiprocess_directory())
for _ in range(finished):
    metrics.request_started()
    metrics.request_finished("GET", "/live", 200, 0.003, 17)
for _ in range(in_flight):
    metrics.request_started()
metrics.transaction_completed("DEPOSIT", "USD", 1_000)
metrics.record_pool(PoolStatus(total=3, idle=2, in_use=1, max=8, waiting=0))
metrics.record_outbox(pending, 4.0)
print(os.getpid())
"""

APP_WORKER = """
import asyncio, sys
import httpx
from paybridge.bootstrap import build_container
from paybridge.config import Settings
from paybridge.entrypoints.http.app import create_app

async def main(requests: int) -> None:
    app = create_app(build_container("memory", Settings(env="test")))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://worker") as http:
            for _ in range(requests):
                assert (await http.get("/live")).status_code == 200
            sys.stdout.write((await http.get("/metrics")).text)

asyncio.run(main(int(sys.argv[1])))
"""

LIVE = {"method": "GET", "path": "/live", "status": "200"}


def run(script: str, directory: Path, *args: int) -> str:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    done = subprocess.run(
        [sys.executable, "-c", script, *map(str, args)], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_values_of_two_processes_add_up_and_live_gauges_follow_their_modes(tmp_path: Path) -> None:
    first_pid = int(run(METRICS_WRITER, tmp_path, 3, 1, 5))
    run(METRICS_WRITER, tmp_path, 4, 2, 7)

    body, content_type = render_metrics(str(tmp_path))
    both = parse(body.decode())
    assert content_type.startswith("text/plain")
    assert sample(both, "paybridge_http_requests_total", **LIVE) == 7  # counters: summed
    duration = "paybridge_http_request_duration_seconds"
    assert sample(both, f"{duration}_count", method="GET", path="/live") == 7  # histograms: summed
    assert sample(both, f"{duration}_bucket", method="GET", path="/live", le="0.005") == 7
    assert sample(both, "paybridge_business_transaction_amount_sum", type="DEPOSIT", currency="USD") == 2000
    assert sample(both, "paybridge_http_requests_in_flight") == 3  # livesum
    assert sample(both, "paybridge_db_connections", state="max") == 16  # livesum: the service's total
    assert sample(both, "paybridge_db_connections", state="in_use") == 2
    assert sample(both, "paybridge_outbox_pending") == 7  # livemostrecent: the latest measurement

    mark_process_dead(first_pid, str(tmp_path))
    survivor = parse(render_metrics(str(tmp_path))[0].decode())
    assert sample(survivor, "paybridge_http_requests_total", **LIVE) == 7  # a stopped worker's counts stay
    assert sample(survivor, "paybridge_http_requests_in_flight") == 2
    assert sample(survivor, "paybridge_db_connections", state="max") == 8


def test_the_app_scraped_in_one_worker_shows_every_worker(tmp_path: Path) -> None:
    run(APP_WORKER, tmp_path, 2)
    second = parse(run(APP_WORKER, tmp_path, 3))

    assert sample(second, "paybridge_http_requests_total", **LIVE) == 5  # both workers, one scrape
    assert sample(second, "paybridge_http_requests_in_flight") == 0
    assert sample(second, "paybridge_outbox_pending") == 0
    # Each worker dropped its live gauges when its lifespan ended; counters stay.
    assert not list(tmp_path.glob("gauge_live*")), sorted(p.name for p in tmp_path.iterdir())
    after = parse(render_metrics(str(tmp_path))[0].decode())
    assert sample(after, "paybridge_http_requests_total", **LIVE) == 5


def test_the_directory_is_refused_when_set_after_prometheus_client_was_imported(tmp_path: Path) -> None:
    assert multiprocess_directory({}) is None
    with pytest.raises(RuntimeError, match="PROMETHEUS_MULTIPROC_DIR was set after"):
        multiprocess_directory({"PROMETHEUS_MULTIPROC_DIR": str(tmp_path)})
