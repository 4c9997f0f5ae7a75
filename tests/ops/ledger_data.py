"""A small, realistic ledger for the operations tests: users, wallets in two currencies, deposits,
transfers and withdrawals written through the real use cases on PostgreSQL (so balances, entries, outbox
events and idempotency records are exactly what the service writes), and ways to run `paybridge audit`."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from typing import Any

from paybridge.application.ports.security import Principal
from paybridge.application.use_cases.holds import PlaceHoldCommand
from paybridge.application.use_cases.move_money import DepositCommand, TransferCommand, WithdrawalCommand
from paybridge.application.use_cases.reversals import ReverseCommand
from paybridge.bootstrap import Container, start, stop
from paybridge.domain.users import Role
from paybridge.domain.wallets import Wallet
from tests.support.containers import make_container
from tests.support.server import PAYBRIDGE, server_env


@dataclass(frozen=True)
class LedgerSummary:
    users: int
    transactions: int


async def populate(database_url: str, users: int = 4) -> LedgerSummary:
    """Writes `users` users (KYC verified) with a USD and an EUR wallet each, a deposit into each wallet, a
    ring of transfers and a withdrawal per user (3 movements per user and currency), and per currency a
    captured hold, a voided hold and a partial reversal. The database must be migrated."""
    container = make_container("postgres", database_url)
    await start(container)
    try:
        register = container.register_user()
        admin_user = await register("ops-admin@example.com", "Ops", "admin password 1", Role.ADMIN)
        admin = Principal(admin_user.id, admin_user.role)
        people = []
        for number in range(users):
            user = await register(f"user{number}@example.com", f"User {number}", "a long password 1")
            person = Principal(user.id, user.role)
            await container.submit_kyc()(person)  # sending money needs a verified identity
            await container.decide_kyc()(admin, user.id, "VERIFIED", None)
            people.append(person)
        transactions = 0
        for currency in ("USD", "EUR"):
            wallets = [await container.open_wallet()(person, currency) for person in people]
            for number, wallet in enumerate(wallets):
                command = DepositCommand(wallet.id, 10_000 + number, currency)
                await container.deposit_money()(admin, command, f"dep-{currency}-{number}")
            for number, (person, wallet) in enumerate(zip(people, wallets, strict=True)):
                target = wallets[(number + 1) % len(wallets)]
                transfer = TransferCommand(wallet.id, target.id, 2_500, currency)
                await container.transfer_money()(person, transfer, f"tr-{currency}-{number}")
                withdrawal = WithdrawalCommand(wallet.id, 700, currency)
                await container.withdraw_money()(person, withdrawal, f"wd-{currency}-{number}")
            transactions += 3 * len(wallets)
            transactions += await _payment_flows(
                container, admin, people[0], wallets[0], wallets[1], currency
            )
        return LedgerSummary(users=users, transactions=transactions)
    finally:
        await stop(container)


async def _payment_flows(
    container: Container, admin: Principal, owner: Principal, source: Wallet, target: Wallet, currency: str
) -> int:
    """A hold captured in part, a hold voided and a partial reversal (by an administrator) of a captured
    hold: the transactions whose events are not plain `*.completed` ones. Returns how many were written."""
    captured = await container.place_hold()(
        owner,
        PlaceHoldCommand(source.id, 900, currency, destination_wallet_id=target.id),
        f"hold-{currency}-1",
    )
    assert captured.hold is not None
    await container.capture_hold()(owner, captured.hold.id, 600, f"capture-{currency}")
    voided = await container.place_hold()(
        owner,
        PlaceHoldCommand(source.id, 300, currency, destination_wallet_id=target.id),
        f"hold-{currency}-2",
    )
    assert voided.hold is not None
    await container.void_hold()(owner, voided.hold.id, "changed my mind", f"void-{currency}")
    reversal = ReverseCommand(captured.transaction.id, "refund", 100)
    await container.reverse_transaction()(admin, reversal, f"reverse-{currency}")
    return 3


@dataclass(frozen=True)
class AuditRun:
    returncode: int
    report: dict[str, Any] | None
    stderr: str

    def violations(self) -> dict[str, int]:
        assert self.report is not None, self.stderr
        return {check["name"]: check["violations"] for check in self.report["checks"]}


def run_audit(database_url: str, *args: str, timeout: float = 120.0) -> AuditRun:
    """`paybridge audit --database-url URL ARGS...` as a subprocess; the parsed JSON report (None if the
    audit printed none)."""
    completed = subprocess.run(
        [PAYBRIDGE, "audit", "--database-url", database_url, *args],
        env=server_env(None),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    report = json.loads(completed.stdout) if completed.stdout.strip() else None
    return AuditRun(completed.returncode, report, completed.stderr)
