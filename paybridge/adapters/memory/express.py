"""In-memory express ledger: the idempotent movement as one serialised step, with the checks of the
PostgreSQL express statement (adapters/postgres/express.py) — the in-memory store has no concurrent holder
of a key, so it is never busy."""

from __future__ import annotations

from paybridge.adapters.memory.ledger import InMemoryLedger
from paybridge.adapters.memory.state import InMemoryDatabase, InMemoryState
from paybridge.application.ports.storage import ExpressOutcome, IdempotencyRecord, Presumption
from paybridge.domain.holds import HoldStatus
from paybridge.domain.transactions import Posting


def _presumption_holds(state: InMemoryState, posting: Posting, presumed: Presumption) -> bool:
    wallets = [state.wallets.get(leg.wallet_id) for leg in posting.legs]
    if any(
        wallet is None or (wallet.is_system and wallet.id != presumed.system_wallet_id) for wallet in wallets
    ):
        return False
    owned = state.wallets.get(presumed.wallet_id)
    if owned is None or not owned.is_owned_by(presumed.owner):
        return False
    return owned.held == 0 or not any(
        hold.wallet_id == owned.id and hold.status is HoldStatus.PENDING and hold.expires_at <= posting.at
        for hold in state.holds.values()
    )


class InMemoryExpressLedger:
    def __init__(self, database: InMemoryDatabase) -> None:
        self._database = database

    async def post(
        self, posting: Posting, record: IdempotencyRecord, presumed: Presumption
    ) -> ExpressOutcome:
        async with self._database.lock:
            working = self._database.state.copy()
            stored = working.idempotency.get((record.principal_id, record.key))
            if stored is not None:
                return ExpressOutcome(stored=stored)
            if not _presumption_holds(working, posting, presumed):
                return ExpressOutcome()
            if await InMemoryLedger(working).post(posting, record) is not None:
                return ExpressOutcome()
            self._database.state = working
            return ExpressOutcome(posted=True)
