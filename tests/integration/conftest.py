"""HTTP tests against the real Starlette app on PostgreSQL (in-process ASGI), plus helpers to act as users and
a small funded `world` (an administrator, Ada and Bob with a USD wallet each) for the request tests."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from paybridge.bootstrap import Container
from paybridge.domain.users import Role
from paybridge.entrypoints.http.app import create_app
from tests.support.containers import make_container
from tests.support.kyc import verify_user


@pytest.fixture
async def app_container(migrated_database_url: str) -> AsyncIterator[Container]:
    yield make_container("postgres", migrated_database_url)


@pytest.fixture
async def client(app_container: Container) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(app_container)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://paybridge.test") as http:
            yield http


@dataclass
class Actor:
    id: str
    email: str
    headers: dict[str, str]

    def idem(self, key: str | None = None) -> dict[str, str]:
        return {**self.headers, "Idempotency-Key": key or str(uuid.uuid4())}


async def register(
    http: httpx.AsyncClient, password: str = "correct horse battery", verified: bool = True
) -> Actor:
    """Registers a user through the API and logs in. With `verified` (the default) the user's KYC is then
    decided VERIFIED by an administrator through the use case — sending money requires it by default."""
    email = f"u-{uuid.uuid4().hex[:12]}@example.com"
    created = await http.post(
        "/api/v1/users", json={"email": email, "full_name": "Test", "password": password}
    )
    assert created.status_code == 201, created.text
    if verified:
        await verify_user(container_of(http), uuid.UUID(created.json()["id"]))
    return await login(http, email, password, created.json()["id"])


def container_of(http: httpx.AsyncClient) -> Container:
    """The container behind an in-process (ASGI) client's app."""
    app = getattr(http._transport, "app", None)
    container: Container | None = getattr(getattr(app, "state", None), "container", None)
    if container is None:
        raise RuntimeError("not an in-process client: verify users through POST /api/v1/admin/users/{id}/kyc")
    return container


async def login(http: httpx.AsyncClient, email: str, password: str, user_id: str) -> Actor:
    token = await http.post("/api/v1/auth/token", json={"email": email, "password": password})
    assert token.status_code == 200, token.text
    return Actor(user_id, email, {"Authorization": f"Bearer {token.json()['access_token']}"})


async def register_admin(http: httpx.AsyncClient, container: Container) -> Actor:
    email = f"admin-{uuid.uuid4().hex[:12]}@example.com"
    user = await container.register_user()(email, "Admin", "admin password 1", Role.ADMIN)
    return await login(http, email, "admin password 1", str(user.id))


async def open_wallet(http: httpx.AsyncClient, actor: Actor, currency: str = "USD") -> dict[str, Any]:
    response = await http.post("/api/v1/wallets", json={"currency": currency}, headers=actor.headers)
    assert response.status_code == 201, response.text
    wallet: dict[str, Any] = response.json()
    return wallet


async def get_wallet(http: httpx.AsyncClient, actor: Actor, wallet_id: str) -> dict[str, Any]:
    response = await http.get(f"/api/v1/wallets/{wallet_id}", headers=actor.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def deposit(
    http: httpx.AsyncClient, admin: Actor, wallet_id: str, amount: int, currency: str = "USD"
) -> dict[str, Any]:
    response = await http.post(
        "/api/v1/deposits",
        json={"wallet_id": wallet_id, "amount": amount, "currency": currency},
        headers=admin.idem(),
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


@dataclass
class World:
    url: str
    admin: Actor
    ada: Actor
    bob: Actor
    ada_wallet: str
    bob_wallet: str

    def actor(self, endpoint: str) -> Actor:
        return self.admin if endpoint == "deposits" else self.ada

    def body(self, endpoint: str, amount: int = 100) -> dict[str, Any]:
        """A valid body for `endpoint` (the hostile cases change one thing in it)."""
        if endpoint == "transfers":
            return {
                "source_wallet_id": self.ada_wallet,
                "destination_wallet_id": self.bob_wallet,
                "amount": amount,
                "currency": "USD",
            }
        if endpoint in ("deposits", "withdrawals"):
            return {"wallet_id": self.ada_wallet, "amount": amount, "currency": "USD"}
        if endpoint == "wallets":
            return {"currency": "CHF"}
        if endpoint == "users":
            return {
                "email": f"new-{uuid.uuid4().hex[:12]}@example.com",
                "full_name": "New",
                "password": "long enough pw",
            }
        raise AssertionError(endpoint)

    def headers(self, endpoint: str) -> dict[str, str]:
        if endpoint == "deposits":
            return self.admin.idem()
        if endpoint in ("transfers", "withdrawals"):
            return self.ada.idem()
        if endpoint == "wallets":
            return dict(self.ada.headers)
        return {}


@pytest.fixture
async def world(client: httpx.AsyncClient, app_container: Container) -> AsyncIterator[World]:
    """An administrator, and Ada and Bob each with a USD wallet, Ada's holding 10_000."""
    url = app_container.settings().database_url
    assert url is not None
    admin = await register_admin(client, app_container)
    ada = await register(client)
    bob = await register(client)
    ada_wallet = await open_wallet(client, ada)
    bob_wallet = await open_wallet(client, bob)
    await deposit(client, admin, ada_wallet["id"], 10_000)
    yield World(url, admin, ada, bob, ada_wallet["id"], bob_wallet["id"])
