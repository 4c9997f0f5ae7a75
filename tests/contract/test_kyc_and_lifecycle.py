"""KYC, the wallet lifecycle and balance history through the use cases, on both adapters."""

from __future__ import annotations

from datetime import timedelta

import pytest

from paybridge.application.ports.security import Principal
from paybridge.application.use_cases.holds import PlaceHoldCommand
from paybridge.application.use_cases.move_money import DepositCommand, TransferCommand, WithdrawalCommand
from paybridge.domain.errors import (
    AdminRequired,
    InvalidKycTransition,
    KycRequired,
    KycSelfReview,
    UserNotFound,
    ValidationFailed,
    WalletClosed,
    WalletNotActive,
    WalletNotEmpty,
    WalletNotFound,
)
from paybridge.domain.users import KycStatus, Role
from paybridge.domain.wallets import WalletStatus
from tests.contract.conftest import ContainerFactory
from tests.contract.test_holds import events_of, funded
from tests.support.containers import FakeClock
from tests.support.invariants import assert_ledger_invariants
from tests.support.kyc import new_principal


async def test_kyc_submission_and_decisions(build_container: ContainerFactory) -> None:
    container = await build_container()
    alice = await new_principal(container, verified=False)
    admin, other_admin = (
        await new_principal(container, Role.ADMIN, verified=False),
        await new_principal(container, Role.ADMIN, verified=False),
    )
    submit, decide = container.submit_kyc(), container.decide_kyc()

    assert (await submit(alice)).kyc_status is KycStatus.PENDING
    with pytest.raises(InvalidKycTransition):
        await submit(alice)
    with pytest.raises(AdminRequired):  # a user can never approve anyone, themselves included
        await decide(alice, alice.user_id, "VERIFIED", None)
    with pytest.raises(KycSelfReview):
        await decide(admin, admin.user_id, "VERIFIED", None)
    with pytest.raises(ValidationFailed):
        await decide(admin, alice.user_id, "REJECTED", "  ")  # a rejection needs a reason
    with pytest.raises(ValidationFailed):
        await decide(admin, alice.user_id, "PENDING", None)
    with pytest.raises(UserNotFound):
        await decide(admin, admin.user_id.__class__(int=1), "VERIFIED", None)

    rejected = await decide(admin, alice.user_id, "REJECTED", "document unreadable")
    assert rejected.kyc_status is KycStatus.REJECTED
    assert (await submit(alice)).kyc_status is KycStatus.PENDING  # resubmitting after a rejection
    assert (await decide(other_admin, alice.user_id, "VERIFIED", None)).kyc_status is KycStatus.VERIFIED
    with pytest.raises(InvalidKycTransition):
        await submit(alice)
    assert (await decide(admin, alice.user_id, "VERIFIED", None)).kyc_status is KycStatus.VERIFIED  # no-op
    assert (await container.get_profile()(alice)).kyc_status is KycStatus.VERIFIED
    assert events_of(container, alice.user_id) == [
        "user.created",
        "user.kyc_submitted",
        "user.kyc_rejected",
        "user.kyc_submitted",
        "user.kyc_verified",
    ]


async def test_the_kyc_policy_blocks_unverified_senders_only(build_container: ContainerFactory) -> None:
    container = await build_container()
    unverified = await new_principal(container, verified=False)
    verified = await new_principal(container)
    u = await funded(container, unverified, 1_000)
    v = await funded(container, verified, 1_000)

    for attempt in (
        container.withdraw_money()(unverified, WithdrawalCommand(u.id, 1, "USD"), "k1"),
        container.transfer_money()(unverified, TransferCommand(u.id, v.id, 1, "USD"), "k2"),
        container.place_hold()(unverified, PlaceHoldCommand(u.id, 1, "USD"), "k3"),
    ):
        with pytest.raises(KycRequired):
            await attempt
    await container.transfer_money()(
        verified, TransferCommand(v.id, u.id, 400, "USD"), "k4"
    )  # receiving: fine
    assert (await container.get_wallet()(unverified, u.id)).balance == 1_400

    officer = await new_principal(container, Role.ADMIN)
    await container.decide_kyc()(officer, unverified.user_id, "VERIFIED", None)
    await container.withdraw_money()(unverified, WithdrawalCommand(u.id, 1, "USD"), "k5")
    await container.decide_kyc()(officer, unverified.user_id, "REJECTED", "sanctions hit")  # revoked
    with pytest.raises(KycRequired):
        await container.withdraw_money()(unverified, WithdrawalCommand(u.id, 1, "USD"), "k6")
    assert_ledger_invariants(container)


async def test_the_kyc_policy_can_be_switched_off(build_container: ContainerFactory) -> None:
    container = await build_container(kyc_required_for_outgoing=False)
    unverified = await new_principal(container, verified=False)
    u = await funded(container, unverified, 1_000)
    done = await container.withdraw_money()(unverified, WithdrawalCommand(u.id, 10, "USD"), "k")
    assert done.transaction.amount.amount == 10


async def test_wallet_lifecycle(build_container: ContainerFactory) -> None:
    container = await build_container()
    alice, bob = await new_principal(container), await new_principal(container)
    admin = await new_principal(container, Role.ADMIN)
    a = await funded(container, alice, 1_000)
    b = await container.open_wallet()(bob, "USD")
    change = container.change_wallet_status()

    with pytest.raises(AdminRequired):
        await change(alice, a.id, WalletStatus.SUSPENDED)
    suspended = await change(admin, b.id, WalletStatus.SUSPENDED, "fraud review")
    assert suspended.status is WalletStatus.SUSPENDED
    assert (await change(admin, b.id, WalletStatus.SUSPENDED)).status is WalletStatus.SUSPENDED  # no-op
    with pytest.raises(WalletNotActive):  # a suspended wallet cannot receive ...
        await container.transfer_money()(alice, TransferCommand(a.id, b.id, 100, "USD"), "t1")
    with pytest.raises(WalletNotActive):
        await container.deposit_money()(admin, DepositCommand(b.id, 100, "USD"), "d1")
    await change(admin, a.id, WalletStatus.SUSPENDED)
    with pytest.raises(WalletNotActive):  # ... nor send
        await container.withdraw_money()(alice, WithdrawalCommand(a.id, 1, "USD"), "w1")
    await change(admin, a.id, WalletStatus.ACTIVE)
    await change(admin, b.id, WalletStatus.ACTIVE, "cleared")
    await container.transfer_money()(alice, TransferCommand(a.id, b.id, 100, "USD"), "t2")

    with pytest.raises(WalletNotEmpty) as not_empty:
        await change(admin, a.id, WalletStatus.CLOSED)
    assert not_empty.value.extra["balance"] == 900
    hold = (await container.place_hold()(alice, PlaceHoldCommand(a.id, 100, "USD"), "h")).hold
    assert hold is not None
    await container.withdraw_money()(alice, WithdrawalCommand(a.id, 800, "USD"), "w2")
    with pytest.raises(WalletNotEmpty):  # money still held
        await change(admin, a.id, WalletStatus.CLOSED)
    await container.capture_hold()(alice, hold.id, None, "c")
    closed = await change(admin, a.id, WalletStatus.CLOSED, "customer left")
    assert closed.status is WalletStatus.CLOSED
    with pytest.raises(WalletClosed):
        await change(admin, a.id, WalletStatus.ACTIVE)
    with pytest.raises(WalletNotActive):
        await container.transfer_money()(bob, TransferCommand(b.id, a.id, 1, "USD"), "t3")
    with pytest.raises(WalletNotFound):
        await change(admin, admin.user_id, WalletStatus.SUSPENDED)
    assert events_of(container, a.id) == [
        "wallet.created",
        "wallet.suspended",
        "wallet.activated",
        "wallet.closed",
    ]
    assert events_of(container, b.id) == ["wallet.created", "wallet.suspended", "wallet.activated"]
    assert_ledger_invariants(container)


async def test_balance_at_a_past_moment(build_container: ContainerFactory) -> None:
    clock = FakeClock()
    container = await build_container(clock)
    alice, bob = await new_principal(container), await new_principal(container)
    admin = await new_principal(container, Role.ADMIN)
    start = clock.now()
    a = await container.open_wallet()(alice, "USD")
    b = await container.open_wallet()(bob, "USD")
    clock.advance(minutes=1)
    await container.deposit_money()(admin, DepositCommand(a.id, 1_000, "USD"), "d")
    clock.advance(minutes=1)
    await container.transfer_money()(alice, TransferCommand(a.id, b.id, 300, "USD"), "t")
    clock.advance(minutes=1)
    balance_at = container.get_balance_at()

    async def at(who: Principal, wallet: object, moment: object) -> int:
        return (await balance_at(who, wallet, moment))[1]  # type: ignore[arg-type]

    assert await at(alice, a.id, start) == 0
    assert await at(alice, a.id, start + timedelta(minutes=1)) == 1_000  # at the deposit's own instant
    assert await at(alice, a.id, start + timedelta(seconds=90)) == 1_000
    assert await at(alice, a.id, start + timedelta(minutes=2)) == 700
    assert await at(alice, a.id, None) == 700  # now
    assert await at(admin, b.id, start + timedelta(minutes=5)) == 300
    with pytest.raises(WalletNotFound):
        await at(bob, a.id, None)
    with pytest.raises(ValidationFailed):
        await at(alice, a.id, start.replace(tzinfo=None))
