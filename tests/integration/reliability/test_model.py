"""Model-based test: a Hypothesis state machine drives random sequences of use cases — register users, verify
their KYC, open wallets, deposit, withdraw, transfer, place / capture / void holds, reverse transactions, and
replay earlier requests with their Idempotency-Key — against the PostgreSQL adapters (a container on a fresh
migrated database, in process) and against the reference model of tests/support/ledger_model.py. After every
step the outcome (success, or which error code) and every wallet's balance and held amount must agree; at the
end `paybridge audit` must pass."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar
from uuid import UUID

import psycopg
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, multiple, precondition, rule

from bench.bank_check import run_audit
from paybridge.application.idempotency import MovementResult
from paybridge.application.ports.security import Principal
from paybridge.application.use_cases.holds import PlaceHoldCommand
from paybridge.application.use_cases.move_money import DepositCommand, TransferCommand, WithdrawalCommand
from paybridge.application.use_cases.reversals import ReverseCommand
from paybridge.bootstrap import Container, start, stop
from paybridge.domain.errors import PayBridgeError
from paybridge.domain.users import Role
from tests.support.containers import make_container
from tests.support.ledger_model import LedgerModel
from tests.support.postgres import DatabaseFactory
from tests.support.server import server_env

pytestmark = [pytest.mark.integration, pytest.mark.slow]
# Errors the service stores with the Idempotency-Key, so a replay answers them again whatever changed since.
STORED = frozenset(
    {
        "insufficient_funds",
        "kyc_required",
        "currency_mismatch",
        "same_wallet",
        "wallet_not_found",
        "hold_not_pending",
        "capture_exceeds_hold",
        "not_reversible",
        "reversal_exceeds_amount",
    }
)
Outcome = tuple[str | None, str | None]  # (transaction id, error code): exactly one is set
amounts = st.integers(min_value=1, max_value=5_000)


class LedgerMachine(RuleBasedStateMachine):
    loop: ClassVar[asyncio.AbstractEventLoop]
    container: ClassVar[Container]
    admin: ClassVar[Principal]
    database_url: ClassVar[str]

    users = Bundle("users")
    wallets = Bundle("wallets")
    holds = Bundle("holds")
    transactions = Bundle("transactions")

    def __init__(self) -> None:
        super().__init__()
        self.model = LedgerModel()
        self.principals: dict[str, Principal] = {}
        self.history: list[tuple[Callable[[], Awaitable[MovementResult]], Outcome]] = []

    # ------------------------------------------------------------------------------------------ plumbing
    def _call(self, make: Callable[[], Awaitable[Any]]) -> tuple[Any, str | None]:
        async def attempt() -> tuple[Any, str | None]:
            try:
                return await make(), None
            except PayBridgeError as error:
                return None, error.code

        return self.loop.run_until_complete(attempt())

    def _move(self, make: Callable[[str], Awaitable[MovementResult]], expected: str | None) -> str | None:
        """Runs a money movement with a fresh key; checks the outcome; returns the transaction id."""
        key = str(uuid.uuid4())
        result, code = self._call(lambda: make(key))
        assert code == expected, f"service answered {code}, the model expected {expected}"
        txn = None if result is None else str(result.transaction.id)
        if expected is None or expected in STORED:
            self.history.append((lambda: make(key), (txn, code)))
        return txn

    def _owner(self, wallet: str) -> Principal:
        return self.principals[self.model.wallets[wallet].owner]

    # ---------------------------------------------------------------------------------- users, wallets
    @rule(target=users)
    def register(self) -> str:
        email = f"model-{uuid.uuid4().hex[:12]}@example.com"
        user, code = self._call(lambda: self.container.register_user()(email, "Model", "a long password 1"))
        assert code is None
        self.principals[str(user.id)] = Principal(user.id, user.role)
        self.model.verified[str(user.id)] = False
        return str(user.id)

    @rule(user=users)
    def verify(self, user: str) -> None:
        _, code = self._call(lambda: self.container.decide_kyc()(self.admin, UUID(user), "VERIFIED", None))
        assert code is None
        self.model.verified[user] = True

    @rule(target=wallets, user=users, currency=st.sampled_from(["USD", "EUR"]))
    def open_wallet(self, user: str, currency: str) -> Any:
        expected = self.model.expect_open(user, currency)
        wallet, code = self._call(lambda: self.container.open_wallet()(self.principals[user], currency))
        assert code == expected
        if wallet is None:
            return multiple()
        self.model.wallets[str(wallet.id)] = self.model_wallet(user, currency)
        return str(wallet.id)

    @staticmethod
    def model_wallet(user: str, currency: str) -> Any:
        from tests.support.ledger_model import ModelWallet

        return ModelWallet(user, currency)

    # ---------------------------------------------------------------------------------- money movements
    @rule(target=transactions, wallet=wallets, amount=st.integers(min_value=1, max_value=20_000))
    def deposit(self, wallet: str, amount: int) -> Any:
        currency = self.model.wallets[wallet].currency
        command = DepositCommand(UUID(wallet), amount, currency)
        txn = self._move(lambda key: self.container.deposit_money()(self.admin, command, key), None)
        assert txn is not None
        self.model.apply_deposit(txn, wallet, amount)
        return txn

    @rule(target=transactions, wallet=wallets, amount=amounts, actor=st.one_of(st.none(), users))
    def withdraw(self, wallet: str, amount: int, actor: str | None) -> Any:
        who = actor or self.model.wallets[wallet].owner
        command = WithdrawalCommand(UUID(wallet), amount, self.model.wallets[wallet].currency)
        expected = self.model.expect_withdrawal(who, wallet, amount)
        principal = self.principals[who]
        txn = self._move(lambda key: self.container.withdraw_money()(principal, command, key), expected)
        if txn is None:
            return multiple()
        self.model.apply_withdrawal(txn, wallet, amount)
        return txn

    @rule(target=transactions, source=wallets, destination=wallets, amount=amounts)
    def transfer(self, source: str, destination: str, amount: int) -> Any:
        command = TransferCommand(
            UUID(source), UUID(destination), amount, self.model.wallets[source].currency
        )
        owner = self.model.wallets[source].owner
        expected = self.model.expect_transfer(owner, source, destination, amount)
        principal = self._owner(source)
        txn = self._move(lambda key: self.container.transfer_money()(principal, command, key), expected)
        if txn is None:
            return multiple()
        self.model.apply_transfer(txn, source, destination, amount)
        return txn

    # -------------------------------------------------------------------------------------------- holds
    @rule(target=holds, wallet=wallets, destination=st.one_of(st.none(), wallets), amount=amounts)
    def place_hold(self, wallet: str, destination: str | None, amount: int) -> Any:
        if destination == wallet:
            destination = None
        currency = self.model.wallets[wallet].currency
        command = PlaceHoldCommand(UUID(wallet), amount, currency, UUID(destination) if destination else None)
        owner = self.model.wallets[wallet].owner
        expected = self.model.expect_hold(owner, wallet, destination, amount)
        principal = self._owner(wallet)
        hold = self._move(lambda key: self.container.place_hold()(principal, command, key), expected)
        if hold is None:
            return multiple()
        self.model.apply_hold(hold, wallet, destination, amount)
        return hold

    @rule(target=transactions, hold=holds, amount=st.one_of(st.none(), amounts))
    def capture(self, hold: str, amount: int | None) -> Any:
        expected = self.model.expect_capture(hold, amount)
        principal = self._owner(self.model.holds[hold].wallet)
        txn = self._move(
            lambda key: self.container.capture_hold()(principal, UUID(hold), amount, key), expected
        )
        if txn is None:
            return multiple()
        self.model.apply_capture(hold, amount)
        return multiple()  # the captured hold's transaction is already in the bundle's model

    @rule(hold=holds)
    def void(self, hold: str) -> None:
        expected = self.model.expect_void(hold)
        principal = self._owner(self.model.holds[hold].wallet)
        if self._move(lambda key: self.container.void_hold()(principal, UUID(hold), None, key), expected):
            self.model.apply_void(hold)

    @rule(target=transactions, original=st.one_of(transactions, holds), amount=st.one_of(st.none(), amounts))
    def reverse(self, original: str, amount: int | None) -> Any:
        expected = self.model.expect_reversal(original, amount)
        command = ReverseCommand(UUID(original), "model test", amount)
        txn = self._move(lambda key: self.container.reverse_transaction()(self.admin, command, key), expected)
        if txn is None:
            return multiple()
        self.model.apply_reversal(txn, original, amount)
        return txn

    @precondition(lambda self: bool(self.history))
    @rule(data=st.data())
    def replay(self, data: st.DataObject) -> None:
        make, (txn, code) = data.draw(st.sampled_from(self.history))
        result, replayed_code = self._call(make)
        assert replayed_code == code, f"a replay answered {replayed_code}, first {code}"
        if txn is not None:
            assert str(result.transaction.id) == txn and result.replayed

    # ------------------------------------------------------------------------------------------- checks
    @invariant()
    def balances_agree(self) -> None:
        if not self.model.wallets:
            return
        with psycopg.connect(self.database_url) as connection:
            rows = connection.execute(
                "SELECT id::text, balance, held FROM wallets WHERE id = ANY(%s::uuid[])",
                (list(self.model.wallets),),
            ).fetchall()
        stored = {row[0]: (int(row[1]), int(row[2])) for row in rows}
        expected = {wid: (w.balance, w.held) for wid, w in self.model.wallets.items()}
        assert stored == expected


@pytest.fixture(scope="module")
def model_database(new_database: DatabaseFactory) -> str:
    from paybridge.adapters.postgres.migrations import YoyoMigrator
    from paybridge.config import Settings

    url = new_database("pbmodel")
    YoyoMigrator(url, Settings().migrations_dir).up()
    return url


def test_the_service_behaves_like_the_model(model_database: str) -> None:
    loop = asyncio.new_event_loop()
    container = make_container("postgres", model_database)
    try:
        loop.run_until_complete(start(container))
        admin = loop.run_until_complete(
            container.register_user()("model-admin@example.com", "Admin", "a long password 1", Role.ADMIN)
        )
        LedgerMachine.loop, LedgerMachine.container = loop, container
        LedgerMachine.admin, LedgerMachine.database_url = Principal(admin.id, admin.role), model_database
        LedgerMachine.TestCase.settings = settings(
            max_examples=25,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        LedgerMachine.TestCase().runTest()
    finally:
        loop.run_until_complete(stop(container))
        loop.close()
    code, report, stderr = run_audit(model_database, server_env(None))
    assert code == 0, f"{stderr} {report}"
