"""The authorization matrix: one entry per route and method of the app, saying how to call it on the
victim's resources and what each caller must get. tests/integration/security/test_authorization_matrix.py
runs every entry and fails for any route of the app without one.

Adding a route? Add an entry keyed by (method, the route's path exactly as registered), e.g.

    ("POST", "/api/v1/holds/{hold_id:uuid}/void"): Entry(
        lambda r: f"{API}/holds/{r.hold}/void", body=lambda r: {}, idempotent=True, money=True,
        other=404, owner=200, admin=200),

- `path` / `body` build the request from `Resources` (the victim's ids, or the ghost copy's random ids);
- `anonymous`, `other` (another ordinary user), `owner` (the victim), `admin`: the expected status. Every
  refusal (>= 400) must leave the database exactly as it was; `other` must get the same status and code
  for the victim's ids as for ids that do not exist (a foreign id is indistinguishable from a missing one);
- `money=True` for routes that move, reserve or convert money: the per-user rate limit must apply
  (paybridge.entrypoints.http.security.MONEY_MOVING_ROUTES);
- `idempotent=True` sends an Idempotency-Key; `public=True` for routes without authentication;
- `mine=True` for routes about the caller themself (`/users/me`, listing one's wallets, opening one):
  there is no foreign resource, so the answers are checked for never containing a victim's id.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.integration.security.authz_world import API, PASSWORD, Resources

Build = Callable[[Resources], Any]


@dataclass(frozen=True)
class Entry:
    path: Callable[[Resources], str]
    body: Build | None = None
    anonymous: int = 401
    other: int = 404
    owner: int = 200
    admin: int = 200
    idempotent: bool = False
    money: bool = False
    public: bool = False
    mine: bool = False


def public(path: str, status: int = 200, body: Build | None = None) -> Entry:
    return Entry(lambda r: path, body, status, status, status, status, public=True)


def admin_only(path: Callable[[Resources], str], body: Build) -> Entry:
    return Entry(path, body, other=403, owner=403, admin=200)


def transfer_body(r: Resources) -> dict[str, Any]:
    return {
        "source_wallet_id": r.wallet,
        "destination_wallet_id": r.other_wallet,
        "amount": 100,
        "currency": "USD",
    }


WALLET = "/api/v1/wallets/{wallet_id:uuid}"
HOLD = "/api/v1/holds/{hold_id:uuid}"
ADMIN_WALLET = "/api/v1/admin/wallets/{wallet_id:uuid}"

ENTRIES: dict[tuple[str, str], Entry] = {
    # probes, scrapes and the description: public
    ("GET", "/live"): public("/live"),
    ("GET", "/ready"): public("/ready"),
    ("GET", "/health"): public("/health"),
    ("GET", "/health/detailed"): public("/health/detailed"),
    ("GET", "/metrics"): public("/metrics"),
    ("GET", "/openapi.json"): public("/openapi.json"),
    # accounts
    ("POST", "/api/v1/users"): public(
        f"{API}/users",
        201,
        lambda r: {"email": f"m-{uuid.uuid4().hex}@example.com", "full_name": "M", "password": PASSWORD},
    ),
    ("POST", "/api/v1/auth/token"): public(
        f"{API}/auth/token", 200, lambda r: {"email": r.victim_email, "password": PASSWORD}
    ),
    ("GET", "/api/v1/users/me"): Entry(lambda r: f"{API}/users/me", other=200, mine=True),
    ("POST", "/api/v1/users/me/kyc"): Entry(
        lambda r: f"{API}/users/me/kyc", lambda r: {}, other=409, owner=409, admin=200, mine=True
    ),
    # wallets
    ("POST", "/api/v1/wallets"): Entry(
        lambda r: f"{API}/wallets", lambda r: {"currency": "JPY"}, other=201, owner=201, admin=201, mine=True
    ),
    ("GET", "/api/v1/wallets"): Entry(lambda r: f"{API}/wallets", other=200, mine=True),
    ("GET", WALLET): Entry(lambda r: f"{API}/wallets/{r.wallet}"),
    ("GET", f"{WALLET}/entries"): Entry(lambda r: f"{API}/wallets/{r.wallet}/entries"),
    ("GET", f"{WALLET}/limits"): Entry(lambda r: f"{API}/wallets/{r.wallet}/limits"),
    ("GET", f"{WALLET}/balance"): Entry(lambda r: f"{API}/wallets/{r.wallet}/balance"),
    # money
    ("POST", "/api/v1/deposits"): Entry(
        lambda r: f"{API}/deposits",
        lambda r: {"wallet_id": r.wallet, "amount": 100, "currency": "USD"},
        other=403,
        owner=403,
        admin=201,
        idempotent=True,
        money=True,
    ),
    ("POST", "/api/v1/withdrawals"): Entry(
        lambda r: f"{API}/withdrawals",
        lambda r: {"wallet_id": r.wallet, "amount": 100, "currency": "USD"},
        owner=201,
        admin=404,
        idempotent=True,
        money=True,
    ),
    ("POST", "/api/v1/transfers"): Entry(
        lambda r: f"{API}/transfers", transfer_body, owner=201, admin=404, idempotent=True, money=True
    ),
    ("GET", "/api/v1/transactions"): Entry(lambda r: f"{API}/transactions?wallet_id={r.wallet}"),
    ("GET", "/api/v1/transactions/{transaction_id:uuid}"): Entry(
        lambda r: f"{API}/transactions/{r.transaction}"
    ),
    ("POST", "/api/v1/transactions/{transaction_id:uuid}/reverse"): Entry(
        lambda r: f"{API}/transactions/{r.transaction}/reverse",
        lambda r: {"reason": "matrix"},
        owner=201,
        admin=201,
        idempotent=True,
        money=True,
    ),
    # holds
    ("POST", "/api/v1/holds"): Entry(
        lambda r: f"{API}/holds",
        lambda r: {"wallet_id": r.wallet, "amount": 100, "currency": "USD"},
        owner=201,
        admin=404,
        idempotent=True,
        money=True,
    ),
    ("GET", "/api/v1/holds"): Entry(lambda r: f"{API}/holds?wallet_id={r.wallet}"),
    ("GET", HOLD): Entry(lambda r: f"{API}/holds/{r.hold}"),
    ("POST", f"{HOLD}/capture"): Entry(
        lambda r: f"{API}/holds/{r.hold}/capture", lambda r: {}, idempotent=True, money=True
    ),
    ("POST", f"{HOLD}/void"): Entry(
        lambda r: f"{API}/holds/{r.hold}/void", lambda r: {"reason": "matrix"}, idempotent=True, money=True
    ),
    # exchange
    ("POST", "/api/v1/exchanges/quotes"): Entry(
        lambda r: f"{API}/exchanges/quotes",
        lambda r: {"source_currency": "USD", "destination_currency": "EUR", "amount": 100},
        other=201,
        owner=201,
        admin=201,
        mine=True,
    ),
    ("POST", "/api/v1/exchanges"): Entry(
        lambda r: f"{API}/exchanges",
        lambda r: {"source_wallet_id": r.wallet, "destination_wallet_id": r.wallet_eur, "amount": 100},
        owner=201,
        admin=404,
        idempotent=True,
        money=True,
    ),
    # administration
    ("POST", "/api/v1/admin/users/{user_id:uuid}/kyc"): admin_only(
        lambda r: f"{API}/admin/users/{r.applicant}/kyc", lambda r: {"decision": "VERIFIED"}
    ),
    ("POST", f"{ADMIN_WALLET}/suspend"): admin_only(
        lambda r: f"{API}/admin/wallets/{r.wallet}/suspend", lambda r: {"reason": "matrix"}
    ),
    ("POST", f"{ADMIN_WALLET}/activate"): admin_only(
        lambda r: f"{API}/admin/wallets/{r.wallet_suspended}/activate", lambda r: {}
    ),
    ("POST", f"{ADMIN_WALLET}/close"): admin_only(
        lambda r: f"{API}/admin/wallets/{r.wallet_empty}/close", lambda r: {}
    ),
    ("PUT", f"{ADMIN_WALLET}/limits"): admin_only(
        lambda r: f"{API}/admin/wallets/{r.wallet}/limits", lambda r: {"daily": 50_000, "monthly": 500_000}
    ),
    ("PUT", "/api/v1/admin/rates/{base}/{quote}"): admin_only(
        lambda r: f"{API}/admin/rates/USD/JPY", lambda r: {"rate": "150.25"}
    ),
}
