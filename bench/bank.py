"""The bank workload: N async clients move money through a running `paybridge serve` over real HTTP, the way a
careful client would, and record what the service told them.

Every operation (deposit by an administrator, withdrawal or transfer by a wallet's owner) gets a fresh
Idempotency-Key. Timeouts, connection errors, 503s, 429s and 409 `idempotency_in_progress` are retried with the
SAME key and body (exponential backoff with jitter, `Retry-After` honoured, a bounded time per operation);
the first definitive answer ends the operation:

- 201: committed — the transaction id is acknowledged (and checked against what was asked);
- 422 with a business refusal (`insufficient_funds`, ...): refused, nothing moved;
- anything else (500, another 4xx, a 201 describing a different movement): a wrong answer.

Operations still without a definitive answer when their time runs out are `unresolved`; `resolve()` retries
them later with their own keys, as a client does once the service is back. `bench/bank_check.py` then
compares what the clients were told with the database. Used by tests/integration/reliability and
`make chaos`; the accounts come from `bench/bank_setup.py`.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

API = "/api/v1"
# Refusals a correct service may legitimately answer to a well-formed request of this workload.
BUSINESS_REFUSALS = frozenset({"insufficient_funds", "limit_exceeded"})
TRANSIENT_STATUSES = frozenset({409, 429, 502, 503, 504})

Kind = Literal["deposit", "withdrawal", "transfer"]
State = Literal["pending", "committed", "refused", "unresolved", "wrong"]
PATHS: dict[Kind, str] = {"deposit": "deposits", "withdrawal": "withdrawals", "transfer": "transfers"}
TYPES: dict[Kind, str] = {"deposit": "DEPOSIT", "withdrawal": "WITHDRAWAL", "transfer": "TRANSFER"}


@dataclass(frozen=True)
class Account:
    user_id: str
    token: str
    wallet_id: str


@dataclass(frozen=True)
class BankConfig:
    clients: int = 8
    operations: int = 1_000
    accounts: int = 12
    currency: str = "USD"
    initial_balance: int = 8_000
    max_amount: int = 3_000
    weights: tuple[int, int, int] = (20, 20, 60)  # deposit, withdrawal, transfer
    request_timeout: float = 5.0
    retry_seconds: float = 60.0  # per operation, then it is `unresolved`
    backoff_base: float = 0.05
    backoff_max: float = 1.0
    seed: int = 0


@dataclass
class Operation:
    kind: Kind
    key: str
    actor: str  # the user id whose token sends it
    body: dict[str, Any]
    state: State = "pending"
    transaction_id: str | None = None
    code: str | None = None
    attempts: int = 0
    transient: Counter[str] = field(default_factory=Counter)
    acknowledged: set[str] = field(default_factory=set)  # every id a 201 for this key carried
    wrong: list[str] = field(default_factory=list)

    @property
    def source(self) -> str | None:
        return self.body.get("source_wallet_id") or (
            self.body["wallet_id"] if self.kind == "withdrawal" else None
        )

    @property
    def destination(self) -> str | None:
        return self.body.get("destination_wallet_id") or (
            self.body["wallet_id"] if self.kind == "deposit" else None
        )


@dataclass
class Bank:
    """The accounts of one workload, the admin's token and every operation sent so far."""

    base_url: str
    admin: Account
    accounts: list[Account]
    config: BankConfig
    operations: list[Operation] = field(default_factory=list)

    @property
    def wallet_ids(self) -> list[str]:
        return [account.wallet_id for account in self.accounts]

    def by_state(self) -> Counter[str]:
        return Counter(op.state for op in self.operations)

    def transient_errors(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for op in self.operations:
            total.update(op.transient)
        return total

    def wrong_answers(self) -> list[str]:
        return [f"{op.kind} {op.key}: {w}" for op in self.operations for w in op.wrong]


def new_operation(bank: Bank, kind: Kind, rng: random.Random, amount: int | None = None) -> Operation:
    config = bank.config
    amount = amount if amount is not None else rng.randint(1, config.max_amount)
    if kind == "transfer":
        source, destination = rng.sample(bank.accounts, 2)
        body: dict[str, Any] = {
            "source_wallet_id": source.wallet_id,
            "destination_wallet_id": destination.wallet_id,
            "amount": amount,
            "currency": config.currency,
        }
        return Operation(kind, str(uuid.uuid4()), source.user_id, body)
    account = rng.choice(bank.accounts)
    body = {"wallet_id": account.wallet_id, "amount": amount, "currency": config.currency}
    actor = bank.admin.user_id if kind == "deposit" else account.user_id
    return Operation(kind, str(uuid.uuid4()), actor, body)


class CarefulClient:
    """Sends one operation until it has a definitive answer or its time is up (see the module docstring)."""

    def __init__(self, bank: Bank, http: httpx.AsyncClient, rng: random.Random) -> None:
        self._bank = bank
        self._http = http
        self._rng = rng
        self._tokens = {a.user_id: a.token for a in [bank.admin, *bank.accounts]}

    async def send(self, op: Operation, retry_seconds: float | None = None) -> Operation:
        config = self._bank.config
        deadline = time.monotonic() + (config.retry_seconds if retry_seconds is None else retry_seconds)
        headers = {"Authorization": f"Bearer {self._tokens[op.actor]}", "Idempotency-Key": op.key}
        url = f"{self._bank.base_url}{API}/{PATHS[op.kind]}"
        while True:
            op.attempts += 1
            retry_after = 0.0
            try:
                response = await self._http.post(url, json=op.body, headers=headers)
            except httpx.TimeoutException:
                op.transient["timeout"] += 1
            except httpx.TransportError as error:
                op.transient[type(error).__name__] += 1
            else:
                if self._settle(op, response):
                    return op
                retry_after = _retry_after(response)
            if time.monotonic() >= deadline:
                op.state = "unresolved"
                return op
            pause = min(config.backoff_max, config.backoff_base * 2 ** min(op.attempts, 10))
            await asyncio.sleep(max(retry_after, pause * self._rng.uniform(0.5, 1.0)))

    def _settle(self, op: Operation, response: httpx.Response) -> bool:
        """Records a definitive answer and returns True; returns False for a transient one."""
        status = response.status_code
        code = _problem_code(response)
        if status == 201:
            body = response.json()
            op.acknowledged.add(str(body.get("id")))
            mismatch = describes_other_movement(op, body)
            if mismatch:
                op.wrong.append(f"201 for a different movement: {mismatch}")
                op.state = "wrong"
            else:
                op.state, op.transaction_id = "committed", str(body["id"])
            return True
        if status in TRANSIENT_STATUSES and (status != 409 or code == "idempotency_in_progress"):
            op.transient[f"{status}:{code}"] += 1
            return False
        if status == 422 and code in BUSINESS_REFUSALS:
            op.state, op.code = "refused", code
            return True
        op.wrong.append(f"{status} {code}: {response.text[:300]}")
        op.state, op.code = "wrong", code
        return True


def describes_other_movement(op: Operation, body: dict[str, Any]) -> str | None:
    expected = {
        "type": TYPES[op.kind],
        "amount": op.body["amount"],
        "currency": op.body["currency"],
        "source_wallet_id": op.source,
        "destination_wallet_id": op.destination,
        "status": "COMPLETED",
    }
    wrong = {k: (body.get(k), v) for k, v in expected.items() if body.get(k) != v}
    return (
        None if not wrong else ", ".join(f"{k}={got!r} (asked {want!r})" for k, (got, want) in wrong.items())
    )


def _problem_code(response: httpx.Response) -> str | None:
    if "json" not in response.headers.get("content-type", ""):
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    return str(body.get("code")) if isinstance(body, dict) and "code" in body else None


def _retry_after(response: httpx.Response) -> float:
    value = response.headers.get("retry-after", "")
    return min(float(value), 5.0) if value.isdigit() else 0.0


def http_client(config: BankConfig) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=config.clients * 2, max_keepalive_connections=config.clients)
    return httpx.AsyncClient(timeout=config.request_timeout, limits=limits)


async def run_workload(
    bank: Bank, on_progress: Callable[[int], None] | None = None, operations: int | None = None
) -> Sequence[Operation]:
    """`operations` random operations (default: the config's) by `config.clients` concurrent clients; each
    client waits for an operation's definitive answer (or its time to run out) before the next."""
    config = bank.config
    total = config.operations if operations is None else operations
    rng = random.Random(config.seed)
    kinds: list[Kind] = rng.choices(["deposit", "withdrawal", "transfer"], weights=config.weights, k=total)
    planned = [new_operation(bank, kind, rng) for kind in kinds]
    bank.operations.extend(planned)
    queue = iter(planned)
    done = 0
    async with http_client(config) as http:

        async def client(number: int) -> None:
            nonlocal done
            careful = CarefulClient(bank, http, random.Random(config.seed * 1_000 + number))
            for op in queue:
                await careful.send(op)
                done += 1
                if on_progress is not None:
                    on_progress(done)

        await asyncio.gather(*(client(n) for n in range(config.clients)))
    return planned


async def resolve(bank: Bank, retry_seconds: float = 60.0) -> int:
    """Re-sends every operation without a definitive answer (same key, same body) until it has one;
    returns how many still have none."""
    open_ops = [op for op in bank.operations if op.state in ("unresolved", "pending")]
    async with http_client(bank.config) as http:
        careful = CarefulClient(bank, http, random.Random(bank.config.seed + 7))
        await asyncio.gather(*(careful.send(op, retry_seconds) for op in open_ops))
    return sum(op.state == "unresolved" for op in bank.operations)
