"""The wallet lifecycle, run by administrators: ACTIVE ⇄ SUSPENDED, and either → CLOSED (final). A suspended
wallet can neither send nor receive (every posting requires ACTIVE wallets, except releasing a hold); only an
empty wallet — no balance, nothing held — closes. Asking for the status a wallet already has changes nothing
and emits no event. Outgoing limits per wallet are set here too."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from paybridge.domain.errors import WalletClosed, WalletNotEmpty
from paybridge.domain.flow_events import (
    WalletActivated,
    WalletEvent,
    WalletLimitsChanged,
    WalletSuspended,
)
from paybridge.domain.flow_events import WalletClosed as WalletClosedEvent
from paybridge.domain.limits import Limits
from paybridge.domain.wallets import Wallet, WalletStatus

_EVENTS: dict[WalletStatus, type[WalletEvent]] = {
    WalletStatus.SUSPENDED: WalletSuspended,
    WalletStatus.ACTIVE: WalletActivated,
    WalletStatus.CLOSED: WalletClosedEvent,
}


def change_status(
    wallet: Wallet, target: WalletStatus, actor: UUID, reason: str | None, now: datetime
) -> tuple[Wallet, WalletEvent | None]:
    if wallet.status is target:
        return wallet, None
    if wallet.status is WalletStatus.CLOSED:
        raise WalletClosed(f"wallet {wallet.id} is closed", wallet_id=str(wallet.id))
    if target is WalletStatus.CLOSED and (wallet.balance != 0 or wallet.held != 0):
        raise WalletNotEmpty(
            f"wallet {wallet.id} holds {wallet.balance} minor units ({wallet.held} held)",
            wallet_id=str(wallet.id),
            balance=wallet.balance,
            held=wallet.held,
        )
    updated = wallet.changed(now, status=target)
    return updated, _EVENTS[target](occurred_at=now, wallet=updated, changed_by=actor, reason=reason)


def change_limits(wallet: Wallet, limits: Limits, actor: UUID, now: datetime) -> tuple[Wallet, WalletEvent]:
    updated = wallet.changed(now, limits=limits)
    return updated, WalletLimitsChanged(occurred_at=now, wallet=updated, changed_by=actor)
