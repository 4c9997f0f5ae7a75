"""Health endpoints: their documented shapes on PostgreSQL and in memory, and readiness following the real
state of the database — a private PostgreSQL that the test stops, restarts and migrates down and up under a
real `paybridge serve` process (the machine's shared server is never touched)."""

from __future__ import annotations

import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from importlib import metadata
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator

from paybridge.config import Settings
from paybridge.entrypoints.http.app import create_app
from paybridge.entrypoints.http.response_schemas import RESPONSES
from tests.support.containers import make_container
from tests.support.private_postgres import PrivatePostgres, private_postgres
from tests.support.server import PAYBRIDGE, REPO_ROOT, RunningServer, run_server, server_env

pytestmark = pytest.mark.integration

RECOVERY_BOUND_SECONDS = 30.0


def migrations_on_disk() -> list[str]:
    """Read when used: other work may add a migration while the suite runs."""
    return sorted(
        p.name.removesuffix(".sql")
        for p in Settings().migrations_dir.glob("*.sql")
        if not p.name.endswith(".rollback.sql")
    )


def assert_documented(schema: str, body: Any) -> None:
    errors = [
        f"{list(e.absolute_path)}: {e.message}"
        for e in Draft202012Validator(RESPONSES[schema]).iter_errors(body)
    ]
    assert errors == [], f"{schema}: {errors}"


# ------------------------------------------------------------------------------------ shapes, in process


@pytest.fixture
async def memory_client() -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(make_container("memory"))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://paybridge.test") as http:
            yield http


async def test_health_summary_on_postgres(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200, response.text
    body = response.json()
    assert_documented("Health", body)
    assert set(body) == {"status", "version", "uptime_seconds"}
    assert body["status"] == "healthy"
    assert body["version"] == metadata.version("paybridge")
    assert body["uptime_seconds"] >= 0


async def test_detailed_health_on_postgres(client: httpx.AsyncClient) -> None:
    registered = await client.post(
        "/api/v1/users",
        json={
            "email": f"h-{uuid.uuid4().hex[:8]}@example.com",
            "full_name": "H",
            "password": "long enough pw",
        },
    )
    assert registered.status_code == 201  # writes an outbox event: the backlog is not empty
    response = await client.get("/health/detailed")
    assert response.status_code == 200, response.text
    body = response.json()
    assert_documented("HealthDetailed", body)
    assert body["status"] == "healthy"
    assert body["draining"] is False
    assert body["checks"] == {"database": "healthy", "migrations": "up to date"}
    pool = body["pool"]
    assert pool["max"] == 8  # tests.support.containers.test_settings
    assert pool["total"] == pool["idle"] + pool["in_use"]
    assert 1 <= pool["total"] <= pool["max"]
    assert pool["waiting"] == 0
    assert body["migrations"] == {"status": "up to date", "version": migrations_on_disk()[-1], "pending": []}
    assert body["outbox"]["pending"] >= 1
    assert body["outbox"]["oldest_pending_age_seconds"] >= 0


async def test_in_memory_container_is_ready_with_migrations_not_applicable(
    memory_client: httpx.AsyncClient,
) -> None:
    ready = await memory_client.get("/ready")
    assert ready.status_code == 200, ready.text
    assert ready.json() == {"ready": True, "checks": {"database": "healthy", "migrations": "not applicable"}}
    detailed = await memory_client.get("/health/detailed")
    assert detailed.status_code == 200, detailed.text
    body = detailed.json()
    assert_documented("HealthDetailed", body)
    assert body["pool"] is None
    assert body["migrations"] == {"status": "not applicable", "version": None, "pending": []}
    assert body["outbox"] == {"pending": 0, "oldest_pending_age_seconds": None, "dead": 0}
    assert (await memory_client.get("/health")).json()["status"] == "healthy"


async def test_openapi_documents_the_health_endpoints(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    for path, schema in (("/health", "Health"), ("/health/detailed", "HealthDetailed")):
        responses = paths[path]["get"]["responses"]
        for status in ("200", "503"):
            ref = responses[status]["content"]["application/json"]["schema"]["$ref"]
            assert ref == f"#/components/schemas/{schema}"


# ------------------------------------------------------------------- readiness against a private server


def _migrate(url: str, *action: str) -> None:
    result = subprocess.run(
        [PAYBRIDGE, "migrate", *action, "--database-url", url],
        cwd=REPO_ROOT,
        env=server_env(None),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _poll(server: RunningServer, path: str, until: Callable[[httpx.Response], bool], seconds: float) -> float:
    """Seconds until GET `path` satisfies `until` (polling every 0.2 s); fails after `seconds`."""
    started = time.monotonic()
    last: httpx.Response | None = None
    while time.monotonic() - started < seconds:
        try:
            last = httpx.get(f"{server.base_url}{path}", timeout=5.0)
            if until(last):
                return time.monotonic() - started
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    detail = "no answer" if last is None else f"{last.status_code} {last.text}"
    pytest.fail(f"GET {path} did not reach the expected state within {seconds}s; last: {detail}")


@pytest.fixture(scope="module")
def private_server() -> Iterator[tuple[PrivatePostgres, str, RunningServer]]:
    with private_postgres() as postgres:
        url = postgres.create_database("paybridge")
        _migrate(url, "up")
        with run_server(server_env(url)) as server:
            yield postgres, url, server


def test_readiness_fails_while_postgres_is_down_and_recovers(
    private_server: tuple[PrivatePostgres, str, RunningServer],
) -> None:
    postgres, _, server = private_server
    ready = httpx.get(f"{server.base_url}/ready", timeout=5)
    assert ready.status_code == 200, ready.text
    assert ready.json() == {"ready": True, "checks": {"database": "healthy", "migrations": "up to date"}}

    postgres.stop("fast")
    went_down = _poll(server, "/ready", lambda r: r.status_code == 503, seconds=10)
    body = httpx.get(f"{server.base_url}/ready", timeout=5).json()
    assert body["ready"] is False
    assert body["checks"]["database"].startswith("unhealthy"), body
    assert httpx.get(f"{server.base_url}/live", timeout=5).status_code == 200  # alive, just not ready
    summary = httpx.get(f"{server.base_url}/health", timeout=5)
    assert (summary.status_code, summary.json()["status"]) == (503, "unhealthy")
    detailed = httpx.get(f"{server.base_url}/health/detailed", timeout=5)
    assert detailed.status_code == 503
    assert_documented("HealthDetailed", detailed.json())
    assert detailed.json()["status"] == "unhealthy"

    postgres.start()
    recovered = _poll(server, "/ready", lambda r: r.status_code == 200, seconds=RECOVERY_BOUND_SECONDS)
    print(
        f"\nreadiness: 503 {went_down:.2f}s after PostgreSQL stopped; 200 {recovered:.2f}s after it restarted"
    )
    assert httpx.get(f"{server.base_url}/health", timeout=5).json()["status"] == "healthy"


def test_readiness_fails_while_the_schema_is_behind(
    private_server: tuple[PrivatePostgres, str, RunningServer],
) -> None:
    _, url, server = private_server
    assert _poll(server, "/ready", lambda r: r.status_code == 200, seconds=RECOVERY_BOUND_SECONDS) >= 0

    _migrate(url, "down", "1")
    _poll(server, "/ready", lambda r: r.status_code == 503, seconds=10)  # the status is cached for 5 s
    body = httpx.get(f"{server.base_url}/ready", timeout=5).json()
    assert body["checks"] == {
        "database": "healthy",
        "migrations": f"behind: {migrations_on_disk()[-1]} pending",
    }
    detailed = httpx.get(f"{server.base_url}/health/detailed", timeout=5)
    assert detailed.status_code == 503
    assert detailed.json()["migrations"]["pending"] == [migrations_on_disk()[-1]]
    assert detailed.json()["migrations"]["version"] == migrations_on_disk()[-2]

    _migrate(url, "up")
    _poll(server, "/ready", lambda r: r.status_code == 200, seconds=10)
    assert httpx.get(f"{server.base_url}/ready", timeout=5).json()["checks"]["migrations"] == "up to date"


def test_no_migrations_table_means_every_migration_is_pending(
    private_server: tuple[PrivatePostgres, str, RunningServer],
) -> None:
    postgres, _, _ = private_server
    empty = postgres.create_database("empty")
    with run_server(server_env(empty)) as server:
        ready = httpx.get(f"{server.base_url}/ready", timeout=5)
        assert ready.status_code == 503
        assert ready.json()["checks"]["migrations"] == f"behind: {', '.join(migrations_on_disk())} pending"
