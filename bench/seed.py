"""Seeding a benchmark database quickly and correctly: users, funded USD wallets and, for each wallet, the
deposit transaction and ledger entries that explain its balance (so `balance = sum(entries)` and the
settlement account mirrors every deposit) and the deposit's outbox event (already published: the relay need
not send the seed), written in bulk SQL. Tokens are minted with the server's secret."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
import psycopg
from argon2 import PasswordHasher

from paybridge.domain.money import Currency
from paybridge.domain.wallets import SETTLEMENT, system_account_id

BENCH_SECRET = "bench-secret-that-is-long-enough-for-hs256-0123456789"  # noqa: S105 - a throw-away bench database
PASSWORD = "bench password 1"  # noqa: S105


@dataclass(frozen=True)
class SeededWallet:
    wallet_id: str
    user_id: str
    token: str


def seed(database_url: str, wallets: int, balance: int, currency: str = "USD") -> list[SeededWallet]:
    password_hash = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    settlement = system_account_id(SETTLEMENT, Currency.of(currency))
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "INSERT INTO wallets (id, kind, system_code, currency, status, balance, version, created_at, updated_at)"
            " VALUES (%s, 'SYSTEM', %s, %s, 'ACTIVE', 0, 0, now(), now()) ON CONFLICT DO NOTHING",
            (settlement, SETTLEMENT, currency),
        )
        rows = conn.execute(
            """
            WITH u AS (
                INSERT INTO users (id, email, full_name, password_hash, role, kyc_status, created_at, updated_at)
                SELECT gen_random_uuid(), 'bench-' || g || '-' || md5(random()::text) || '@example.com',
                       'Bench ' || g, %(hash)s, 'user', 'VERIFIED', now(), now()
                  FROM generate_series(1, %(n)s) AS g
                RETURNING id
            ), w AS (
                INSERT INTO wallets (id, kind, user_id, currency, status, balance, version, created_at, updated_at)
                SELECT gen_random_uuid(), 'USER', u.id, %(currency)s, 'ACTIVE', %(balance)s, 1, now(), now()
                  FROM u
                RETURNING id, user_id
            ), t AS (
                INSERT INTO transactions (id, type, status, amount, currency, destination_wallet_id, created_at,
                                          completed_at)
                SELECT gen_random_uuid(), 'DEPOSIT', 'COMPLETED', %(balance)s, %(currency)s, w.id, now(), now()
                  FROM w
                RETURNING id, destination_wallet_id
            ), e AS (
                INSERT INTO ledger_entries (transaction_id, wallet_id, amount, currency, balance_after, created_at)
                SELECT t.id, t.destination_wallet_id, %(balance)s, %(currency)s, %(balance)s, now() FROM t
                UNION ALL
                SELECT t.id, %(settlement)s, -%(balance)s, %(currency)s, 0, now() FROM t
            ), o AS (
                INSERT INTO outbox (id, aggregate_type, aggregate_id, event_type, payload, created_at, published_at)
                SELECT gen_random_uuid(), 'transaction', t.id::text, 'deposit.completed',
                       jsonb_build_object('transaction_id', t.id, 'amount', %(balance)s, 'currency', %(currency)s),
                       now(), now()
                  FROM t
            )
            SELECT w.id::text, w.user_id::text FROM w
            """,
            {
                "hash": password_hash,
                "n": wallets,
                "currency": currency,
                "balance": balance,
                "settlement": settlement,
            },
        ).fetchall()
        conn.execute(
            "UPDATE wallets SET balance = balance - %s WHERE id = %s", (balance * wallets, settlement)
        )
    now = datetime.now(UTC)
    return [SeededWallet(wallet_id, user_id, mint_token(user_id, now)) for wallet_id, user_id in rows]


def index_wallets(database_url: str, wallets: list[SeededWallet]) -> None:
    """bench_wallets(n, id, user_id): the seeded wallets numbered 1..N in the order of `wallets` (and of the
    wallet file wrk reads), so pgbench scripts draw the same wallets from a random n (10 hot = n <= 10)."""
    with psycopg.connect(database_url) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_wallets")
        conn.execute(
            "CREATE TABLE bench_wallets (n integer PRIMARY KEY, id uuid NOT NULL, user_id uuid NOT NULL)"
        )
        with conn.cursor().copy("COPY bench_wallets (n, id, user_id) FROM STDIN") as copy:
            for n, wallet in enumerate(wallets, start=1):
                copy.write_row((n, wallet.wallet_id, wallet.user_id))
        conn.execute("ANALYZE bench_wallets")


def mint_token(user_id: str, now: datetime, role: str = "user") -> str:
    """An access token for `user_id` signed with the bench secret (the role must be the user's own)."""
    claims = {
        "sub": user_id,
        "role": role,
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(hours=6),
        "jti": str(uuid.uuid4()),
        "iss": "paybridge",
        "aud": "paybridge-api",
    }
    return jwt.encode(claims, BENCH_SECRET, algorithm="HS256")
