"""A reference model of PayBridge's money rules in plain Python dicts, for the model-based test
(tests/integration/reliability/test_model.py). It knows nothing of the service's code: each `expect_*` says
which error code the service must answer (None: success) from the model's own state, and each `apply_*`
changes that state the way the documented rules say a success does.

Rules modelled (docs/api.md, docs of the payment flows): a user wallet never has less available than 0
(available = balance - held); sending money (withdrawal, transfer, hold) needs a KYC-VERIFIED sender,
checked after the wallet's funds; holds reserve money until captured (fully or partly, the rest released) or
voided; administrators reverse completed deposits, withdrawals, transfers and captured holds, fully or in
parts, never beyond the original amount, and never from a wallet without the money available.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ModelWallet:
    owner: str
    currency: str
    balance: int = 0
    held: int = 0

    @property
    def available(self) -> int:
        return self.balance - self.held


@dataclass
class ModelHold:
    wallet: str
    destination: str | None
    amount: int
    status: str = "PENDING"


@dataclass
class ModelTransaction:
    type: str
    amount: int
    source: str | None  # a user wallet id, or None for the outside world (settlement)
    destination: str | None
    status: str = "COMPLETED"
    reversed: int = 0


@dataclass
class LedgerModel:
    verified: dict[str, bool] = field(default_factory=dict)  # user id -> KYC VERIFIED
    wallets: dict[str, ModelWallet] = field(default_factory=dict)
    holds: dict[str, ModelHold] = field(default_factory=dict)
    transactions: dict[str, ModelTransaction] = field(default_factory=dict)

    # ---------------------------------------------------------------------------------------- wallets
    def expect_open(self, owner: str, currency: str) -> str | None:
        taken = any(w.owner == owner and w.currency == currency for w in self.wallets.values())
        return "wallet_exists" if taken else None

    def _credit(self, wallet: str | None, amount: int) -> None:
        if wallet is not None:
            self.wallets[wallet].balance += amount

    # ------------------------------------------------------------------------------ money movements
    def expect_deposit(self, wallet: str, amount: int) -> str | None:
        return None

    def apply_deposit(self, txn: str, wallet: str, amount: int) -> None:
        self._credit(wallet, amount)
        self.transactions[txn] = ModelTransaction("DEPOSIT", amount, None, wallet)

    def _expect_send(self, actor: str, wallet: str, amount: int) -> str | None:
        if self.wallets[wallet].owner != actor:
            return "wallet_not_found"
        if self.wallets[wallet].available < amount:
            return "insufficient_funds"
        return None if self.verified[actor] else "kyc_required"

    def expect_withdrawal(self, actor: str, wallet: str, amount: int) -> str | None:
        return self._expect_send(actor, wallet, amount)

    def apply_withdrawal(self, txn: str, wallet: str, amount: int) -> None:
        self._credit(wallet, -amount)
        self.transactions[txn] = ModelTransaction("WITHDRAWAL", amount, wallet, None)

    def _expect_destination(self, actor: str, source: str, destination: str, amount: int) -> str | None:
        if self.wallets[source].owner != actor:
            return "wallet_not_found"
        if source == destination:
            return "same_wallet"
        if self.wallets[destination].currency != self.wallets[source].currency:
            return "currency_mismatch"
        return self._expect_send(actor, source, amount)

    def expect_transfer(self, actor: str, source: str, destination: str, amount: int) -> str | None:
        return self._expect_destination(actor, source, destination, amount)

    def apply_transfer(self, txn: str, source: str, destination: str, amount: int) -> None:
        self._credit(source, -amount)
        self._credit(destination, amount)
        self.transactions[txn] = ModelTransaction("TRANSFER", amount, source, destination)

    # ------------------------------------------------------------------------------------------ holds
    def expect_hold(self, actor: str, wallet: str, destination: str | None, amount: int) -> str | None:
        if destination is None:
            return self._expect_send(actor, wallet, amount)
        return self._expect_destination(actor, wallet, destination, amount)

    def apply_hold(self, hold: str, wallet: str, destination: str | None, amount: int) -> None:
        self.wallets[wallet].held += amount
        self.holds[hold] = ModelHold(wallet, destination, amount)
        self.transactions[hold] = ModelTransaction("HOLD", amount, wallet, destination, status="PENDING")

    def expect_capture(self, hold: str, amount: int | None) -> str | None:
        if self.holds[hold].status != "PENDING":
            return "hold_not_pending"
        if amount is not None and amount > self.holds[hold].amount:
            return "capture_exceeds_hold"
        return None

    def apply_capture(self, hold: str, amount: int | None) -> None:
        state = self.holds[hold]
        captured = state.amount if amount is None else amount
        self.wallets[state.wallet].held -= state.amount
        self._credit(state.wallet, -captured)
        self._credit(state.destination, captured)
        state.status = "CAPTURED"
        txn = self.transactions[hold]
        txn.status, txn.amount = "COMPLETED", captured

    def expect_void(self, hold: str) -> str | None:
        return None if self.holds[hold].status == "PENDING" else "hold_not_pending"

    def apply_void(self, hold: str) -> None:
        state = self.holds[hold]
        self.wallets[state.wallet].held -= state.amount
        state.status = "VOIDED"
        self.transactions[hold].status = "CANCELLED"

    # -------------------------------------------------------------------------------------- reversals
    def expect_reversal(self, original: str, amount: int | None) -> str | None:
        txn = self.transactions[original]
        if txn.type == "REVERSAL" or txn.status != "COMPLETED":
            return "not_reversible"
        remaining = txn.amount - txn.reversed
        wanted = (remaining or 1) if amount is None else amount
        if wanted > remaining:
            return "reversal_exceeds_amount"
        debited = txn.destination
        if debited is not None and self.wallets[debited].available < wanted:
            return "insufficient_funds"
        return None

    def apply_reversal(self, txn: str, original: str, amount: int | None) -> None:
        source = self.transactions[original]
        wanted = source.amount - source.reversed if amount is None else amount
        source.reversed += wanted
        self._credit(source.destination, -wanted)
        self._credit(source.source, wanted)
        self.transactions[txn] = ModelTransaction("REVERSAL", wanted, source.destination, source.source)
