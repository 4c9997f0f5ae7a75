"""The accounts of a bank workload, created the way users create them: an administrator (`paybridge users
create-admin`, the only way there is), users registered and logged in over HTTP, one wallet each, KYC
verified, and an opening deposit into every wallet through the careful client (so it is checked like any
other operation).

KYC: sending money may require a VERIFIED user. When the service documents an administrator's KYC decision
endpoint (an OpenAPI operation under a `kyc` path taking a `decision`), the admin verifies each user through
it; otherwise, given the database URL, the users are marked VERIFIED in the `users` table directly.
"""

from __future__ import annotations

import asyncio
import random
import re
import subprocess
import sys
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
import psycopg

from bench.bank import API, Account, Bank, BankConfig, CarefulClient, Operation, http_client

PAYBRIDGE = str(Path(sys.executable).with_name("paybridge"))
PASSWORD = "bank workload password 1"  # noqa: S105 - the workload's own throw-away accounts
_PARAMETER = re.compile(r"{[^}]+}")


def create_admin(database_url: str, env: Mapping[str, str], email: str) -> None:
    subprocess.run(
        [PAYBRIDGE, "users", "create-admin", "--email", email, "--password", PASSWORD],
        env={**env, "DATABASE_URL": database_url},
        check=True,
        capture_output=True,
        timeout=120,
    )


async def login(http: httpx.AsyncClient, base_url: str, email: str, password: str = PASSWORD) -> str:
    response = await http.post(f"{base_url}{API}/auth/token", json={"email": email, "password": password})
    response.raise_for_status()
    return str(response.json()["access_token"])


async def _open_account(http: httpx.AsyncClient, base_url: str, currency: str, tag: str) -> Account:
    email = f"bank-{tag}-{uuid.uuid4().hex[:10]}@example.com"
    created = await http.post(
        f"{base_url}{API}/users", json={"email": email, "full_name": "Bank client", "password": PASSWORD}
    )
    created.raise_for_status()
    token = await login(http, base_url, email)
    wallet = await http.post(
        f"{base_url}{API}/wallets", json={"currency": currency}, headers={"Authorization": f"Bearer {token}"}
    )
    wallet.raise_for_status()
    return Account(str(created.json()["id"]), token, str(wallet.json()["id"]))


def kyc_decision_route(spec: Mapping[str, Any]) -> tuple[str, str] | None:
    """(method, path template) of the documented administrator KYC decision, if there is one."""
    for path, item in spec.get("paths", {}).items():
        if "kyc" not in path.lower() or not _PARAMETER.search(path):
            continue
        for method, operation in item.items():
            content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            reference = str(content.get("schema", {}).get("$ref", ""))
            schema = spec["components"]["schemas"].get(reference.rsplit("/", 1)[-1], {})
            if "decision" in schema.get("properties", {}):
                return method.upper(), path
    return None


async def verify_users(
    http: httpx.AsyncClient, bank: Bank, user_ids: list[str], database_url: str | None
) -> str:
    """Makes the users KYC VERIFIED; returns how ("endpoint" or "database")."""
    spec = (await http.get(f"{bank.base_url}/openapi.json")).json()
    route = kyc_decision_route(spec)
    if route is not None:
        method, template = route
        headers = {"Authorization": f"Bearer {bank.admin.token}", "Idempotency-Key": str(uuid.uuid4())}
        for user_id in user_ids:
            headers["Idempotency-Key"] = str(uuid.uuid4())
            response = await http.request(
                method,
                bank.base_url + _PARAMETER.sub(user_id, template),
                json={"decision": "VERIFIED"},
                headers=headers,
            )
            response.raise_for_status()
        return "endpoint"
    if database_url is None:
        raise RuntimeError("no KYC decision endpoint is documented and no database URL was given")
    with psycopg.connect(database_url) as connection:
        connection.execute("UPDATE users SET kyc_status = 'VERIFIED' WHERE id = ANY(%s::uuid[])", (user_ids,))
    return "database"


async def open_bank(
    base_url: str,
    config: BankConfig,
    admin_email: str,
    database_url: str | None = None,
    admin_password: str = PASSWORD,
) -> Bank:
    """Accounts for a workload: the administrator `admin_email` must exist already."""
    async with http_client(config) as http:
        admin_token = await login(http, base_url, admin_email, admin_password)
        profile = await http.get(
            f"{base_url}{API}/users/me", headers={"Authorization": f"Bearer {admin_token}"}
        )
        profile.raise_for_status()
        admin = Account(str(profile.json()["id"]), admin_token, "")
        tag = uuid.uuid4().hex[:6]
        accounts = await asyncio.gather(
            *(_open_account(http, base_url, config.currency, tag) for _ in range(config.accounts))
        )
        bank = Bank(base_url, admin, list(accounts), config)
        await verify_users(http, bank, [a.user_id for a in accounts], database_url)
        careful = CarefulClient(bank, http, random.Random(config.seed))
        deposits = [
            Operation(
                "deposit",
                str(uuid.uuid4()),
                admin.user_id,
                {"wallet_id": a.wallet_id, "amount": config.initial_balance, "currency": config.currency},
            )
            for a in accounts
        ]
        bank.operations.extend(deposits)
        await asyncio.gather(*(careful.send(op) for op in deposits))
    failed = [op for op in deposits if op.state != "committed"]
    if failed:
        raise RuntimeError(f"opening deposits failed: {[(op.state, op.wrong) for op in failed]}")
    return bank
