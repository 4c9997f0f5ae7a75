"""Currency exchange over HTTP on PostgreSQL: admin rates, quotes, exchanges (rounded down across JPY / USD /
KWD exponents), the four ledger legs and the problems."""

from __future__ import annotations

import httpx
import pytest

from paybridge.bootstrap import Container
from tests.integration.conftest import deposit, open_wallet, register, register_admin
from tests.support.http_checks import assert_problem, assert_schema
from tests.support.invariants import assert_ledger_invariants

pytestmark = [pytest.mark.integration, pytest.mark.contract]

API = "/api/v1"


async def test_rates_quotes_and_exchanges(client: httpx.AsyncClient, app_container: Container) -> None:
    admin = await register_admin(client, app_container)
    alice = await register(client)
    usd = await open_wallet(client, alice, "USD")
    jpy = await open_wallet(client, alice, "JPY")
    kwd = await open_wallet(client, alice, "KWD")
    await deposit(client, admin, usd["id"], 100_000)

    assert_problem(
        await client.put(f"{API}/admin/rates/USD/JPY", json={"rate": "149.5"}, headers=alice.headers),
        403,
        "admin_required",
    )
    for pair, rate in (("USD/JPY", "149.5"), ("JPY/USD", "0.0066889"), ("USD/KWD", "0.3071")):
        put = await client.put(f"{API}/admin/rates/{pair}", json={"rate": rate}, headers=admin.headers)
        assert put.status_code == 200, put.text
        assert_schema("ExchangeRate", put.json())
        assert put.json()["rate"] == rate
    assert_problem(
        await client.put(f"{API}/admin/rates/USD/JPY", json={"rate": 149.5}, headers=admin.headers),
        400,
        "validation_error",
        "rate",
    )
    assert_problem(
        await client.put(f"{API}/admin/rates/USD/XXX", json={"rate": "1"}, headers=admin.headers),
        400,
        "unsupported_currency",
    )

    quoted = await client.post(
        f"{API}/exchanges/quotes",
        json={"source_currency": "USD", "destination_currency": "KWD", "amount": 12_345},
        headers=alice.headers,
    )
    assert quoted.status_code == 201, quoted.text
    quote = quoted.json()
    assert_schema("Quote", quote)
    assert (quote["rate"], quote["destination_amount"]) == ("0.3071", 37_911)  # 37.911195 KWD, rounded down

    body = {"source_wallet_id": usd["id"], "destination_wallet_id": kwd["id"], "amount": 12_345}
    done = await client.post(
        f"{API}/exchanges", json={**body, "quote_id": quote["quote_id"]}, headers=alice.idem()
    )
    assert done.status_code == 201, done.text
    txn = done.json()
    assert_schema("Transaction", txn)
    assert (txn["type"], txn["amount"], txn["currency"]) == ("EXCHANGE", 12_345, "USD")
    assert txn["exchange"] == {"rate": "0.3071", "destination_amount": 37_911, "destination_currency": "KWD"}
    used = await client.post(
        f"{API}/exchanges", json={**body, "quote_id": quote["quote_id"]}, headers=alice.idem()
    )
    assert_problem(used, 422, "quote_used")

    to_yen = await client.post(
        f"{API}/exchanges",
        json={"source_wallet_id": usd["id"], "destination_wallet_id": jpy["id"], "amount": 1},
        headers=alice.idem(),
    )
    assert to_yen.json()["exchange"]["destination_amount"] == 1  # 1.495 yen -> 1
    assert_problem(
        await client.post(
            f"{API}/exchanges",
            json={"source_wallet_id": jpy["id"], "destination_wallet_id": usd["id"], "amount": 1},
            headers=alice.idem(),
        ),
        422,
        "exchange_amount_invalid",  # 1 yen is 0.0066889 dollars: less than a cent
    )
    assert_problem(
        await client.post(
            f"{API}/exchanges",
            json={"source_wallet_id": jpy["id"], "destination_wallet_id": kwd["id"], "amount": 1},
            headers=alice.idem(),
        ),
        422,
        "rate_unavailable",  # rates are per direction: JPY/KWD was never set
    )
    wallets = {
        w["currency"]: w for w in (await client.get(f"{API}/wallets", headers=alice.headers)).json()["data"]
    }
    assert (wallets["USD"]["balance"], wallets["KWD"]["balance"], wallets["JPY"]["balance"]) == (
        87_654,
        37_911,
        1,
    )
    entries = (await client.get(f"{API}/wallets/{kwd['id']}/entries", headers=alice.headers)).json()["data"]
    assert [(e["transaction_id"], e["currency"], e["amount"]) for e in entries] == [
        (txn["id"], "KWD", 37_911)
    ]
    assert_ledger_invariants(app_container)
