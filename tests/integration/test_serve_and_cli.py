"""The `paybridge` command as operators and developers run it: configuration refusal in production, the
embedded development database, and creating an administrator."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest

from tests.support.server import run_paybridge, run_server, server_env


@pytest.mark.parametrize(
    ("extra", "complaint"),
    [
        ({}, "DATABASE_URL is required in production"),
        ({"DATABASE_URL": "postgresql://x@127.0.0.1:1/x", "PAYBRIDGE_JWT_SECRET": "short"}, "at least 32"),
        (
            {
                "DATABASE_URL": "postgresql://x@127.0.0.1:1/x",
                "PAYBRIDGE_JWT_SECRET": "dev-only-insecure-jwt-secret-change-me",
            },
            "development default",
        ),
    ],
)
def test_production_refuses_unsafe_configuration(extra: dict[str, str], complaint: str) -> None:
    env = server_env(None, PAYBRIDGE_ENV="production")
    env.pop("PAYBRIDGE_JWT_SECRET")
    env.update(extra)
    result = run_paybridge(env, "serve", "--bind", "127.0.0.1:0", timeout=30)
    assert result.returncode != 0
    assert complaint in result.stderr
    assert "refusing to start in production" in result.stderr


def test_create_admin_from_the_cli(migrated_database_url: str) -> None:
    email = f"root-{uuid.uuid4().hex[:8]}@example.com"
    env = server_env(migrated_database_url)
    created = run_paybridge(env, "users", "create-admin", "--email", email, "--password", "admin password 1")
    assert created.returncode == 0, created.stderr
    assert email in created.stdout
    again = run_paybridge(
        env, "users", "create-admin", "--email", email.upper(), "--password", "admin password 1"
    )
    assert again.returncode == 1
    assert "email_taken" in again.stderr

    with run_server(env) as server:
        token = httpx.post(
            f"{server.base_url}/api/v1/auth/token", json={"email": email, "password": "admin password 1"}
        )
        assert token.status_code == 200
        me = httpx.get(
            f"{server.base_url}/api/v1/users/me",
            headers={"Authorization": f"Bearer {token.json()['access_token']}"},
        )
    assert me.json()["role"] == "admin"


def test_serve_without_database_url_uses_a_persistent_embedded_database(tmp_path: Path) -> None:
    env = server_env(None, PAYBRIDGE_DATA_DIR=str(tmp_path / "data"))
    email = f"dev-{uuid.uuid4().hex[:8]}@example.com"
    with run_server(env) as server:
        ready = httpx.get(f"{server.base_url}/ready", timeout=5)
        assert ready.status_code == 200, server.log()
        created = httpx.post(
            f"{server.base_url}/api/v1/users",
            json={"email": email, "full_name": "Dev", "password": "correct horse battery"},
        )
        assert created.status_code == 201
        assert "embedded development" in server.log()
        assert server.stop() == 0
    assert (tmp_path / "data" / "pgdata" / "PG_VERSION").exists()

    with run_server(env) as again:  # the data survived the restart
        token = httpx.post(
            f"{again.base_url}/api/v1/auth/token", json={"email": email, "password": "correct horse battery"}
        )
        assert token.status_code == 200
