"""Schema fuzzing (schemathesis) of a live `paybridge serve` against its own /openapi.json: every documented
operation, authenticated as a real (KYC-verified) user and, for administrators' operations, a real
administrator, with stateful links (tests/support/fuzz.py). No 5xx, every response conforms to its documented
schema, content type and headers, and every 4xx is application/problem+json.

`make test` runs a bounded budget (PAYBRIDGE_FUZZ_SECONDS, default 60 s, PAYBRIDGE_FUZZ_MAX_EXAMPLES 10 per
operation, a fixed seed); `make fuzz` a long one with a fresh seed. PAYBRIDGE_FUZZ_CHECKS=all widens the
checks to every schemathesis check (see docs/reliability.md for what those report)."""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.bank_setup import PASSWORD, create_admin, kyc_decision_route, login
from paybridge.adapters.postgres.migrations import YoyoMigrator
from paybridge.config import Settings
from tests.integration.reliability.conftest import UNTHROTTLED
from tests.support.fuzz import (
    FUZZ_CHECKS,
    FuzzBudget,
    admin_operations,
    run_schemathesis,
    with_links,
    write_config,
)
from tests.support.postgres import DatabaseFactory
from tests.support.server import RunningServer, run_server, server_env

pytestmark = [pytest.mark.integration, pytest.mark.slow]
ADMIN_EMAIL = "fuzz-admin@example.com"


@pytest.fixture(scope="module")
def fuzzed_server(new_database: DatabaseFactory) -> Iterator[tuple[RunningServer, dict[str, str]]]:
    url = new_database("pbfuzz")
    YoyoMigrator(url, Settings().migrations_dir).up()
    env = server_env(url, **UNTHROTTLED)
    create_admin(url, env, ADMIN_EMAIL)
    with run_server(env) as server:
        yield server, asyncio.run(_tokens(server.base_url))


async def _tokens(base_url: str) -> dict[str, str]:
    """An administrator's and a verified user's tokens; the user owns a funded USD wallet."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        admin = await login(http, base_url, ADMIN_EMAIL)
        as_admin = {"Authorization": f"Bearer {admin}"}
        email = "fuzz-user@example.com"
        created = await http.post(
            "/api/v1/users", json={"email": email, "full_name": "Fuzz", "password": PASSWORD}
        )
        assert created.status_code == 201, created.text
        user = await login(http, base_url, email)
        route = kyc_decision_route((await http.get("/openapi.json")).json())
        if route is not None:
            path = re.sub(r"{[^}]+}", created.json()["id"], route[1])
            verified = await http.request(route[0], path, json={"decision": "VERIFIED"}, headers=as_admin)
            assert verified.status_code == 200, verified.text
        wallet = await http.post(
            "/api/v1/wallets", json={"currency": "USD"}, headers={"Authorization": f"Bearer {user}"}
        )
        assert wallet.status_code == 201, wallet.text
        deposit = {"wallet_id": wallet.json()["id"], "amount": 1_000_000, "currency": "USD"}
        funded = await http.post(
            "/api/v1/deposits", json=deposit, headers={**as_admin, "Idempotency-Key": "fund"}
        )
        assert funded.status_code == 201, funded.text
        return {"admin": admin, "user": user}


def _budget() -> FuzzBudget:
    return FuzzBudget(
        max_examples=int(os.environ.get("PAYBRIDGE_FUZZ_MAX_EXAMPLES", "10")),
        max_time_seconds=int(os.environ.get("PAYBRIDGE_FUZZ_SECONDS", "60")),
        seed=int(os.environ.get("PAYBRIDGE_FUZZ_SEED", "20261128")),
    )


def test_every_operation_survives_schema_fuzzing(fuzzed_server: tuple[RunningServer, dict[str, str]]) -> None:
    server, tokens = fuzzed_server
    spec: dict[str, Any] = httpx.get(f"{server.base_url}/openapi.json", timeout=10).json()
    operations = sum(len(item) for item in spec["paths"].values())
    checks = ["all", *FUZZ_CHECKS[-2:]] if os.environ.get("PAYBRIDGE_FUZZ_CHECKS") == "all" else FUZZ_CHECKS
    budget = _budget()
    with tempfile.TemporaryDirectory(prefix="pb-fuzz-") as directory:
        config = write_config(Path(directory), tokens["user"], tokens["admin"], admin_operations(spec))
        run = run_schemathesis(with_links(spec), server.base_url, config, budget, checks)
    output = run.stdout + run.stderr
    summary = output[output.rfind("SUMMARY") :] if "SUMMARY" in output else output[-3000:]
    print(f"\nschemathesis (seed {budget.seed}, {budget.max_time_seconds} s budget):\n{summary}")
    assert run.returncode == 0, output[-20_000:]
    tested = re.search(r"Tested: (\d+)", output)
    assert tested is not None and int(tested.group(1)) == operations, summary
    logged = re.findall(r'"status": ?(\d{3})', server.log())
    assert logged, "no access-log lines with a status"
    assert [status for status in logged if status.startswith("5")] == []
