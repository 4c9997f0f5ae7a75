"""Runs a money movement exactly once per (principal, Idempotency-Key), with Stripe's semantics:

- the key is taken and its outcome stored in the same unit of work as the movement itself;
- a retry with the same request replays the stored outcome — a transaction or a business error;
- the same key with a different request is `IdempotencyKeyReused`; a retry while the first request is still
  running is `IdempotencyRequestInProgress`;
- deadlocks and serialization failures (`ConcurrencyConflict`) re-run the whole unit of work a bounded
  number of times, then surface as `ConcurrencyConflict` (temporarily unavailable, nothing written).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from paybridge.application.ports.metrics import Metrics
from paybridge.application.ports.storage import (
    ExpressLedger,
    IdempotencyRecord,
    Presumption,
    UnitOfWork,
    UnitOfWorkFactory,
)
from paybridge.application.ports.system import Clock
from paybridge.application.snapshots import (
    hold_from_snapshot,
    hold_snapshot,
    transaction_from_snapshot,
    transaction_snapshot,
)
from paybridge.domain.errors import (
    BusinessRuleViolation,
    ConcurrencyConflict,
    IdempotencyKeyReused,
    IdempotencyRequestInProgress,
    NotFound,
    PayBridgeError,
    error_from_code,
)
from paybridge.domain.holds import Hold
from paybridge.domain.refusals import explain_refusal
from paybridge.domain.transactions import Posting, Transaction

logger = logging.getLogger(__name__)

Planner = Callable[[UnitOfWork], Awaitable[Posting]]
Presumer = Callable[[], tuple[Posting, Presumption] | None]
"""Plans the movement from the request alone, with what it presumes of the wallets (None: no such plan)."""


@dataclass(frozen=True, slots=True)
class MovementResult:
    transaction: Transaction
    replayed: bool = False
    hold: Hold | None = None
    """The hold the movement placed or settled (hold operations only)."""


def fingerprint(operation: str, request: Mapping[str, Any]) -> str:
    canonical = json.dumps({"op": operation, "request": request}, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class IdempotentMovements:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        ttl_seconds: int,
        max_retries: int,
        metrics: Metrics,
        express: ExpressLedger | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._express = express
        self._clock = clock
        self._ttl = timedelta(seconds=ttl_seconds)
        self._max_retries = max_retries
        self._metrics = metrics

    async def run(
        self,
        principal_id: UUID,
        key: str,
        operation: str,
        request: Mapping[str, Any],
        plan: Planner,
        presume: Presumer | None = None,
    ) -> MovementResult:
        """`plan` reads what it needs in the unit of work and plans the posting. With `presume` (and an
        express ledger), each attempt first tries the posting planned from the request alone as one atomic
        step; only when storage refuses it (a rule or the presumption failed) does the attempt run `plan`
        in a unit of work, which explains the refusal and stores it as the key's outcome."""
        print_ = fingerprint(operation, request)
        try:  # the common case, without building a retry loop (~30 µs) for it
            return await self._counted(operation, principal_id, key, print_, plan, presume)
        except ConcurrencyConflict as conflict:
            failed: ConcurrencyConflict | None = conflict
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._max_retries + 1),
            wait=wait_random_exponential(multiplier=0.01, max=0.25),
            retry=retry_if_exception_type(ConcurrencyConflict),
            before_sleep=self._before_retry,
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                if failed is not None:  # attempt 1 is the one above: tenacity logs it, waits, retries
                    first, failed = failed, None
                    raise first
                return await self._counted(operation, principal_id, key, print_, plan, presume)
        raise AssertionError("unreachable: tenacity either returns or re-raises")  # pragma: no cover

    async def _counted(
        self,
        operation: str,
        principal_id: UUID,
        key: str,
        print_: str,
        plan: Planner,
        presume: Presumer | None,
    ) -> MovementResult:
        try:
            result = await self._attempt(principal_id, key, print_, plan, presume)
        except PayBridgeError as error:
            if error.replayed:
                self._metrics.idempotent_replay(operation)
            raise
        if result.replayed:
            self._metrics.idempotent_replay(operation)
        return result

    def _before_retry(self, state: Any) -> None:
        error = state.outcome.exception() if state.outcome else None
        reason = getattr(error, "extra", {}).get("reason", "conflict")
        logger.warning(
            "retrying money movement after a storage conflict",
            extra={"attempt": state.attempt_number, "reason": reason},
        )
        self._metrics.storage_retry(reason)

    async def _attempt(
        self, principal_id: UUID, key: str, print_: str, plan: Planner, presume: Presumer | None
    ) -> MovementResult:
        if presume is not None and self._express is not None:
            done = await self._express_attempt(self._express, principal_id, key, print_, presume)
            if done is not None:
                return done
        now = self._clock.now()
        async with self._uow_factory() as uow:
            lookup = await uow.idempotency.begin(principal_id, key, now)
            if not lookup.locked:
                raise IdempotencyRequestInProgress("a request with this Idempotency-Key is still running")
            if lookup.record is not None:
                return _replay(lookup.record, print_)
            record = IdempotencyRecord(principal_id, key, print_, {}, now, now + self._ttl)
            try:
                posting = await plan(uow)
                try:
                    refusal = await uow.ledger.post(posting, _with_outcome(record, posting))
                except (BusinessRuleViolation, NotFound) as error:
                    # A constraint refused the statement although its own checks passed under lock: a race
                    # that a re-run resolves. The transaction is aborted, so no outcome may be stored in it.
                    raise ConcurrencyConflict(
                        "the database refused the posting", reason="constraint"
                    ) from error
                if refusal is not None:
                    raise explain_refusal(posting, refusal.states, refusal.conditions)
            except (BusinessRuleViolation, NotFound) as error:
                await uow.idempotency.save(_error_record(record, error))
                await uow.commit()
                raise
            await uow.commit()
            return MovementResult(posting.transaction, hold=posting.hold)

    async def _express_attempt(
        self, express: ExpressLedger, principal_id: UUID, key: str, print_: str, presume: Presumer
    ) -> MovementResult | None:
        """The movement as one atomic step; None when storage refused it (nothing was written)."""
        presumed = presume()
        if presumed is None:
            return None
        posting, presumption = presumed
        now = posting.at
        record = IdempotencyRecord(principal_id, key, print_, {}, now, now + self._ttl)
        try:
            outcome = await express.post(posting, _with_outcome(record, posting), presumption)
        except (BusinessRuleViolation, NotFound) as error:
            # As in the planned path: a constraint refused what the statement's own checks passed under
            # lock. Nothing was written (the statement is its own transaction); a re-run decides.
            raise ConcurrencyConflict("the database refused the posting", reason="constraint") from error
        if outcome.busy:
            raise IdempotencyRequestInProgress("a request with this Idempotency-Key is still running")
        if outcome.stored is not None and outcome.stored.expires_at > now:
            return _replay(outcome.stored, print_)
        return MovementResult(posting.transaction, hold=posting.hold) if outcome.posted else None


def _with_outcome(record: IdempotencyRecord, posting: Posting) -> IdempotencyRecord:
    outcome: dict[str, Any] = {"transaction": transaction_snapshot(posting.transaction)}
    if posting.hold is not None:
        outcome["hold"] = hold_snapshot(posting.hold)
    return IdempotencyRecord(
        record.principal_id,
        record.key,
        record.fingerprint,
        outcome,
        record.created_at,
        record.expires_at,
        posting.transaction.id,
    )


def _error_record(record: IdempotencyRecord, error: PayBridgeError) -> IdempotencyRecord:
    outcome = {"error": {"code": error.code, "detail": error.detail, "extra": error.extra}}
    return IdempotencyRecord(
        record.principal_id, record.key, record.fingerprint, outcome, record.created_at, record.expires_at
    )


def _replay(record: IdempotencyRecord, print_: str) -> MovementResult:
    if record.fingerprint != print_:
        raise IdempotencyKeyReused("this Idempotency-Key was used with a different request")
    if "transaction" in record.outcome:
        hold = record.outcome.get("hold")
        return MovementResult(
            transaction_from_snapshot(record.outcome["transaction"]),
            replayed=True,
            hold=None if hold is None else hold_from_snapshot(hold),
        )
    stored = record.outcome["error"]
    error = error_from_code(stored["code"], stored["detail"], stored.get("extra"))
    error.replayed = True
    raise error
