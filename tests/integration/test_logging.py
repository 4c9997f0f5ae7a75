"""Structured logs of a real `paybridge serve` process (two workers; stdout and stderr captured together).

Every line is one JSON object with RFC 3339 `time`, `level`, `logger` and `msg`; lines logged while serving
a request carry its correlation and request ids (and the user once authenticated, and the W3C trace id); the
correlation id also reaches the outbox; probes are not access-logged unless DEBUG; and no secret — password,
bearer token, JWT secret — appears in any line, also after a 401 and a 422.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import psycopg
import pytest

from paybridge.bootstrap import start, stop
from paybridge.domain.users import Role
from tests.support.containers import TEST_JWT_SECRET, make_container
from tests.support.postgres import DatabaseFactory
from tests.support.server import RunningServer, json_lines, run_server, server_env

pytestmark = pytest.mark.integration

RFC3339_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}(Z|[+-]\d{2}:\d{2})$")
GENERATED_ID = re.compile(r"^[0-9a-f]{32}$")
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"
USER_AGENT = "paybridge-log-test/1.0"
PROBES = ("/live", "/ready", "/health", "/health/detailed", "/metrics")


@dataclass
class Session:
    """What the scenario did, and every secret it used (none may ever be logged)."""

    server: RunningServer
    secrets: list[str] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)
    responses: dict[str, httpx.Response] = field(default_factory=dict)

    def lines(self) -> list[dict[str, Any]]:
        return json_lines(self.server.log())


def access_line(lines: list[dict[str, Any]], request_id: str) -> dict[str, Any]:
    found = [r for r in lines if r["logger"] == "paybridge.access" and r.get("request_id") == request_id]
    assert len(found) == 1, f"{len(found)} access lines for request {request_id}"
    return found[0]


def _login(http: httpx.Client, email: str, password: str) -> str:
    token = http.post("/api/v1/auth/token", json={"email": email, "password": password})
    assert token.status_code == 200, token.text
    access_token: str = token.json()["access_token"]
    return access_token


async def _create_admin(database_url: str, email: str, password: str) -> None:
    container = make_container("postgres", database_url)
    await start(container)
    try:
        await container.register_user()(email, "Admin", password, Role.ADMIN)
    finally:
        await stop(container)


@pytest.fixture(scope="module")
async def session(migrated_database_url: str) -> AsyncIterator[Session]:
    admin_email = f"log-admin-{uuid.uuid4().hex[:8]}@example.com"
    admin_password = f"admin pw {uuid.uuid4().hex}"
    await _create_admin(migrated_database_url, admin_email, admin_password)
    with run_server(server_env(migrated_database_url), "--workers", "2") as server:
        yield _scenario(server, admin_email, admin_password)


def _scenario(server: RunningServer, admin_email: str, admin_password: str) -> Session:
    s = Session(server, secrets=[TEST_JWT_SECRET, admin_password])
    with httpx.Client(base_url=server.base_url, timeout=30, headers={"User-Agent": USER_AGENT}) as http:
        people = {}
        for name in ("ada", "bob"):
            email, password = (
                f"log-{name}-{uuid.uuid4().hex[:8]}@example.com",
                f"{name} pw {uuid.uuid4().hex}",
            )
            created = http.post(
                "/api/v1/users",
                json={"email": email, "full_name": name, "password": password},
                headers={"X-Correlation-ID": f"register-{name}-{uuid.uuid4().hex[:8]}"},
            )
            assert created.status_code == 201, created.text
            s.ids[name] = created.json()["id"]
            token = _login(http, email, password)
            people[name] = {"Authorization": f"Bearer {token}"}
            s.secrets += [password, token]
        admin_token = _login(http, admin_email, admin_password)
        s.secrets.append(admin_token)
        admin = {"Authorization": f"Bearer {admin_token}"}
        verified = http.post(  # ada sends money: an administrator verifies her identity (KYC)
            f"/api/v1/admin/users/{s.ids['ada']}/kyc", json={"decision": "VERIFIED"}, headers=admin
        )
        assert verified.status_code == 200, verified.text

        wallets = {}
        for name in ("ada", "bob"):
            opened = http.post(
                "/api/v1/wallets",
                json={"currency": "USD"},
                headers={**people[name], "traceparent": TRACEPARENT},
            )
            assert opened.status_code == 201, opened.text
            wallets[name] = opened.json()["id"]
            s.responses[f"wallet-{name}"] = opened
        deposited = http.post(
            "/api/v1/deposits",
            json={"wallet_id": wallets["ada"], "amount": 10_000, "currency": "USD"},
            headers={**admin, "Idempotency-Key": str(uuid.uuid4())},
        )
        assert deposited.status_code == 201, deposited.text

        s.ids["transfer_correlation"] = f"transfer-{uuid.uuid4().hex}"
        transfer = {
            "source_wallet_id": wallets["ada"],
            "destination_wallet_id": wallets["bob"],
            "currency": "USD",
        }
        moved = http.post(  # no X-Request-ID: the server generates one
            "/api/v1/transfers",
            json={**transfer, "amount": 2_500},
            headers={
                **people["ada"],
                "Idempotency-Key": str(uuid.uuid4()),
                "X-Correlation-ID": s.ids["transfer_correlation"],
                "traceparent": TRACEPARENT,
            },
        )
        assert moved.status_code == 201, moved.text
        s.responses["transfer"] = moved

        garbage = f"garbage-token-{uuid.uuid4().hex}"
        s.secrets.append(garbage)
        s.responses["401"] = http.get("/api/v1/users/me", headers={"Authorization": f"Bearer {garbage}"})
        assert s.responses["401"].status_code == 401
        s.responses["422"] = http.post(
            "/api/v1/transfers",
            json={**transfer, "amount": 1_000_000},
            headers={**people["ada"], "Idempotency-Key": str(uuid.uuid4())},
        )
        assert s.responses["422"].status_code == 422, s.responses["422"].text

        for path in PROBES:
            request_id = f"probe-{uuid.uuid4().hex}"
            s.ids[path] = request_id
            http.get(path, headers={"X-Request-ID": request_id})
    return s


def test_every_line_is_a_json_object_with_the_base_fields(session: Session) -> None:
    lines = session.lines()
    assert len(lines) > 10
    for record in lines:
        assert {"time", "level", "logger", "msg"} <= set(record), record
        assert RFC3339_MS.match(record["time"]), record["time"]
        assert record["level"] in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}, record


def test_the_transfer_is_traceable_by_its_correlation_id(
    session: Session, migrated_database_url: str
) -> None:
    correlation = session.ids["transfer_correlation"]
    response = session.responses["transfer"]
    request_id = response.headers["x-request-id"]
    assert GENERATED_ID.match(request_id), request_id
    assert response.headers["x-correlation-id"] == correlation

    chain = [r for r in session.lines() if r.get("correlation_id") == correlation]  # jq 'select(...)'
    assert [r["msg"] for r in chain if r["logger"] != "paybridge.access"] == ["money moved"], chain
    moved = next(r for r in chain if r["msg"] == "money moved")
    assert moved["transaction_id"] == response.json()["id"]
    assert (moved["type"], moved["amount"], moved["currency"]) == ("TRANSFER", 2_500, "USD")
    access = access_line(session.lines(), request_id)
    assert access in chain
    for record in chain:
        assert record["request_id"] == request_id
        assert record["user_id"] == session.ids["ada"]
        assert record["trace_id"] == TRACE_ID

    with psycopg.connect(migrated_database_url) as conn:
        rows = conn.execute(
            "SELECT event_type, correlation_id FROM outbox WHERE aggregate_id = %s", (response.json()["id"],)
        ).fetchall()
    assert rows == [("transfer.completed", correlation)]


def test_access_line_fields_and_levels(session: Session) -> None:
    lines = session.lines()
    transfer = session.responses["transfer"]
    access = access_line(lines, transfer.headers["x-request-id"])
    assert access["level"] == "INFO"
    assert access["msg"] == "POST /api/v1/transfers 201"
    assert (access["method"], access["route"], access["status"]) == ("POST", "/api/v1/transfers", 201)
    assert access["response_size"] == len(transfer.content)
    assert isinstance(access["duration_ms"], float | int) and access["duration_ms"] > 0
    assert (access["client_ip"], access["user_agent"]) == ("127.0.0.1", USER_AGENT)

    wallet = session.responses["wallet-bob"]
    assert access_line(lines, wallet.headers["x-request-id"])["route"] == "/api/v1/wallets"

    unauthorized = access_line(lines, session.responses["401"].headers["x-request-id"])
    assert (unauthorized["level"], unauthorized["status"]) == ("WARNING", 401)
    assert "user_id" not in unauthorized  # the garbage token authenticated nobody
    refused = access_line(lines, session.responses["422"].headers["x-request-id"])
    explained = [
        r for r in lines if r["msg"] == "money movement refused" and r["request_id"] == refused["request_id"]
    ]
    assert [(r["type"], r["reason"]) for r in explained] == [("TRANSFER", "insufficient_funds")]
    assert (refused["level"], refused["status"], refused["user_id"]) == ("WARNING", 422, session.ids["ada"])


def test_user_id_appears_once_authenticated(session: Session) -> None:
    lines = session.lines()
    registered = [
        r for r in lines if r["msg"] == "user registered" and r["new_user_id"] == session.ids["ada"]
    ]
    assert len(registered) == 1 and "user_id" not in registered[0]  # anonymous until a token is presented
    wallet = session.responses["wallet-ada"]
    opened = [r for r in lines if r["msg"] == "wallet opened" and r.get("wallet_id") == wallet.json()["id"]]
    assert len(opened) == 1
    assert opened[0]["user_id"] == session.ids["ada"]
    assert opened[0]["trace_id"] == TRACE_ID
    assert opened[0]["request_id"] == opened[0]["correlation_id"] == wallet.headers["x-request-id"]


def test_probes_and_metrics_are_not_access_logged(session: Session) -> None:
    lines = session.lines()
    for path in PROBES:
        assert not [r for r in lines if r.get("request_id") == session.ids[path]], path


def test_no_secret_in_any_line(session: Session) -> None:
    text = session.server.log()
    for secret in session.secrets:
        assert secret not in text, f"a secret leaked into the log: {secret[:12]}…"
    assert "Bearer " not in text


def test_debug_logs_probes_and_still_no_secrets(new_database: DatabaseFactory) -> None:
    """At DEBUG the probes are logged; yoyo (`--migrate` on a fresh database) prints nothing but JSON."""
    url = new_database("pblog")
    with run_server(server_env(url, PAYBRIDGE_LOG_LEVEL="DEBUG"), "--migrate") as server:
        with httpx.Client(base_url=server.base_url, timeout=30) as http:
            password = f"debug pw {uuid.uuid4().hex}"
            email = f"log-debug-{uuid.uuid4().hex[:8]}@example.com"
            created = http.post(
                "/api/v1/users", json={"email": email, "full_name": "D", "password": password}
            )
            assert created.status_code == 201, created.text
            token = _login(http, email, password)
            assert (
                http.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
            )
            ready = http.get("/ready", headers={"X-Request-ID": "debug-ready-probe"})
            assert ready.status_code == 200, ready.text
        text = server.log()
    lines = json_lines(text)
    assert access_line(lines, "debug-ready-probe")["route"] == "/ready"
    for secret in (password, token, TEST_JWT_SECRET):
        assert secret not in text


def test_generated_and_inherited_ids(session: Session) -> None:
    lines = session.lines()
    probe_free = [r for r in lines if r["logger"] == "paybridge.access"]
    assert probe_free, "no access lines at all"
    for record in probe_free:
        assert record["correlation_id"] and record["request_id"]
    bob_wallet = session.responses["wallet-bob"]
    assert GENERATED_ID.match(bob_wallet.headers["x-request-id"])
    assert bob_wallet.headers["x-correlation-id"] == bob_wallet.headers["x-request-id"]
