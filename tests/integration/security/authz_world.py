"""The world the authorization matrix attacks: a victim who owns money (funded wallets in several
currencies, a transfer to a bystander, a pending hold, a suspended and an empty wallet), another ordinary
user (the attacker, with wallets of their own), a bystander, a KYC applicant and an administrator. Built
through the HTTP API (plus the container for the administrator and KYC decisions, which have no public
route to bootstrap them)."""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from paybridge.bootstrap import Container
from tests.integration.conftest import Actor, deposit, open_wallet, register, register_admin

API = "/api/v1"
PASSWORD = "correct horse battery"  # tests.integration.conftest.register's default


@dataclass(frozen=True)
class Resources:
    """Ids a request may name. The victim's own (`wallet`…`applicant`) are replaced by random ids in the
    ghost copy; the attacker's and the bystander's stay."""

    wallet: str  # the victim's USD wallet, funded
    wallet_eur: str  # the victim's EUR wallet, funded
    wallet_empty: str  # the victim's GBP wallet, balance 0
    wallet_suspended: str  # the victim's CHF wallet, suspended by an administrator
    transaction: str  # the victim's transfer to the bystander
    hold: str  # the victim's pending hold (payee: the bystander)
    user: str  # the victim
    applicant: str  # a user whose KYC awaits a decision
    victim_email: str
    other_wallet: str  # the attacker's USD wallet
    other_wallet_eur: str
    bystander_wallet: str

    VICTIM_FIELDS = (
        "wallet",
        "wallet_eur",
        "wallet_empty",
        "wallet_suspended",
        "transaction",
        "hold",
        "user",
    )

    def ghost(self) -> Resources:
        """The same request shapes naming ids that do not exist (instead of the victim's)."""
        return dataclasses.replace(self, **{name: str(uuid.uuid4()) for name in self.VICTIM_FIELDS})

    def victim_ids(self) -> list[str]:
        return [getattr(self, name) for name in self.VICTIM_FIELDS]


@dataclass
class World:
    resources: Resources
    actors: dict[str, dict[str, str]]  # anonymous / other / owner / admin -> headers
    ids: dict[str, str | None]  # actor -> user id


async def _ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, (
        f"{response.request.method} {response.request.url}: {response.text}"
    )
    body: dict[str, Any] = response.json()
    return body


def _key(actor: Actor) -> dict[str, str]:
    return actor.idem()


async def build_world(http: httpx.AsyncClient, container: Container) -> World:
    admin = await register_admin(http, container)
    victim, other, bystander = [await register(http) for _ in range(3)]  # KYC verified
    applicant = await register(http, verified=False)
    usd, eur = await open_wallet(http, victim, "USD"), await open_wallet(http, victim, "EUR")
    empty, suspended = await open_wallet(http, victim, "GBP"), await open_wallet(http, victim, "CHF")
    other_usd, other_eur = await open_wallet(http, other, "USD"), await open_wallet(http, other, "EUR")
    bystander_usd = await open_wallet(http, bystander, "USD")
    await deposit(http, admin, usd["id"], 100_000)
    await deposit(http, admin, eur["id"], 100_000, "EUR")
    await deposit(http, admin, other_usd["id"], 10_000)
    for base, quote, rate in (("USD", "EUR", "0.9"), ("EUR", "USD", "1.1")):
        await _ok(
            await http.put(f"{API}/admin/rates/{base}/{quote}", json={"rate": rate}, headers=admin.headers)
        )
    transfer = await _ok(
        await http.post(
            f"{API}/transfers",
            json={
                "source_wallet_id": usd["id"],
                "destination_wallet_id": bystander_usd["id"],
                "amount": 1_000,
                "currency": "USD",
            },
            headers=_key(victim),
        ),
        201,
    )
    hold = await _ok(
        await http.post(
            f"{API}/holds",
            json={
                "wallet_id": usd["id"],
                "amount": 500,
                "currency": "USD",
                "destination_wallet_id": bystander_usd["id"],
            },
            headers=_key(victim),
        ),
        201,
    )
    await _ok(
        await http.post(
            f"{API}/admin/wallets/{suspended['id']}/suspend", json={"reason": "audit"}, headers=admin.headers
        )
    )
    await _ok(await http.post(f"{API}/users/me/kyc", json={}, headers=applicant.headers))
    resources = Resources(
        wallet=usd["id"],
        wallet_eur=eur["id"],
        wallet_empty=empty["id"],
        wallet_suspended=suspended["id"],
        transaction=transfer["id"],
        hold=hold["id"],
        user=victim.id,
        applicant=applicant.id,
        victim_email=victim.email,
        other_wallet=other_usd["id"],
        other_wallet_eur=other_eur["id"],
        bystander_wallet=bystander_usd["id"],
    )
    return World(
        resources,
        actors={"anonymous": {}, "other": other.headers, "owner": victim.headers, "admin": admin.headers},
        ids={"anonymous": None, "other": other.id, "owner": victim.id, "admin": admin.id},
    )
