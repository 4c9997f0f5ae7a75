"""No secret ever reaches the logs or an answer: a real `paybridge serve` (DEBUG logging, two workers) with
a password in DATABASE_URL, a password-protected Redis that goes away mid-run, JWT signing and verification
keys and a metrics token; users sign in, fail to, send forged and basic credentials, and a password-looking
body. Its whole output and every response body are searched for each secret."""

from __future__ import annotations

import base64
import uuid
from urllib.parse import urlsplit, urlunsplit

import httpx
import jwt
import pytest

from tests.support.redis_server import private_redis
from tests.support.server import run_server, server_env

pytestmark = pytest.mark.integration

JWT_SECRET = f"jwt-signing-secret-{uuid.uuid4().hex}"
OLD_JWT_SECRET = f"jwt-previous-secret-{uuid.uuid4().hex}"
METRICS_TOKEN = f"metrics-token-{uuid.uuid4().hex}"
DB_PASSWORD = f"db-password-{uuid.uuid4().hex}"  # the test server trusts local connections: never checked
REDIS_PASSWORD = f"redis-password-{uuid.uuid4().hex}"


def with_password(url: str, password: str) -> str:
    parts = urlsplit(url)
    user, _, host = parts.netloc.rpartition("@")
    return urlunsplit(parts._replace(netloc=f"{user.partition(':')[0] or 'postgres'}:{password}@{host}"))


def test_secrets_never_reach_logs_or_answers(migrated_database_url: str) -> None:
    secrets = [JWT_SECRET, OLD_JWT_SECRET, METRICS_TOKEN, DB_PASSWORD, REDIS_PASSWORD]
    answers: list[httpx.Response] = []
    with private_redis(password=REDIS_PASSWORD) as redis_url:
        env = server_env(
            with_password(migrated_database_url, DB_PASSWORD),
            PAYBRIDGE_LOG_LEVEL="DEBUG",
            PAYBRIDGE_JWT_SECRET=JWT_SECRET,
            PAYBRIDGE_JWT_KID="current",
            PAYBRIDGE_JWT_VERIFICATION_KEYS=f"previous:{OLD_JWT_SECRET}",
            PAYBRIDGE_METRICS_TOKEN=METRICS_TOKEN,
            PAYBRIDGE_REDIS_URL=redis_url,
            PAYBRIDGE_LOGIN_RATE_LIMIT_PER_ACCOUNT="3/minute",
        )
        with (
            run_server(env, "--workers", "2") as server,
            httpx.Client(base_url=server.base_url, timeout=30) as http,
        ):
            email, password = f"sec-{uuid.uuid4().hex[:8]}@example.com", f"user password {uuid.uuid4().hex}"
            secrets.append(password)
            answers.append(
                http.post("/api/v1/users", json={"email": email, "full_name": "S", "password": password})
            )
            answers.append(http.post("/api/v1/auth/token", json={"email": email, "password": password}))
            token = answers[-1].json()["access_token"]
            secrets.append(token)
            bearer = {"Authorization": f"Bearer {token}"}
            answers.append(http.get("/api/v1/users/me", headers=bearer))
            old_token = jwt.encode(
                jwt.decode(token, options={"verify_signature": False}),
                OLD_JWT_SECRET,
                headers={"kid": "previous"},
            )
            secrets.append(old_token)
            answers.append(http.get("/api/v1/users/me", headers={"Authorization": f"Bearer {old_token}"}))
            wrong = f"wrong password {uuid.uuid4().hex}"
            secrets.append(wrong)
            answers += [
                http.post("/api/v1/auth/token", json={"email": email, "password": wrong}) for _ in range(3)
            ]
            assert answers[-1].status_code == 429  # the account is throttled through Redis
            forged = jwt.encode({"sub": str(uuid.uuid4())}, "attacker-secret-" + "x" * 32)
            basic = base64.b64encode(f"{email}:{password}".encode()).decode()
            secrets += [forged, basic]
            answers.append(http.get("/api/v1/users/me", headers={"Authorization": f"Bearer {forged}"}))
            answers.append(http.get("/api/v1/users/me", headers={"Authorization": f"Basic {basic}"}))
            answers.append(
                http.get(f"/api/v1/users/me?access_token={token}&password={password}", headers=bearer)
            )
            answers.append(
                http.post("/api/v1/users", json={"email": email, "full_name": "S", "password": "short"})
            )
            answers.append(http.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}))
            answers.append(http.get("/metrics", headers={"Authorization": "Bearer wrong-metrics-token"}))
            redis_url_in_use = redis_url
            server.stop()
            log_while_redis_was_up = server.log()
    # Redis is gone now: a new server logs the degradation (with the URL's host, never its password).
    with run_server(env) as server, httpx.Client(base_url=server.base_url, timeout=30) as http:
        answers.append(http.post("/api/v1/auth/token", json={"email": email, "password": password}))
        assert answers[-1].status_code in (200, 429)
        server.stop()
        log = log_while_redis_was_up + server.log()
    assert "Redis unavailable" in log  # the path that could have printed the URL did run
    assert redis_url_in_use not in log
    for secret in secrets:
        assert secret not in log, f"a secret reached the log: {secret[:10]}…"
    for secret in [JWT_SECRET, OLD_JWT_SECRET, METRICS_TOKEN, DB_PASSWORD, REDIS_PASSWORD, password, wrong]:
        for answer in answers:  # (issuing tokens is the token endpoint's job; nothing else is ever echoed)
            assert secret not in answer.text, f"a secret reached an answer: {answer.request.url.path}"
    assert "Bearer " not in log and "Basic " not in log
