"""Currency exchange: quotes (a rate locked for one user for a short time), exchanges between two of the
caller's wallets (with an Idempotency-Key; at a quote's rate, else at the current rate) and the rate table
administrators maintain. Rates are read through the `ExchangeRateProvider` port inside the unit of work."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from paybridge.application.expiry import without_due_holds
from paybridge.application.idempotency import IdempotentMovements, MovementResult
from paybridge.application.ports.metrics import Metrics
from paybridge.application.ports.security import Principal
from paybridge.application.ports.storage import UnitOfWork, UnitOfWorkFactory
from paybridge.application.ports.system import Clock
from paybridge.application.use_cases.move_money import owned_wallet
from paybridge.application.use_cases.recording import recorded, request_of
from paybridge.domain.errors import AdminRequired, ExchangeRateUnavailable, QuoteNotFound, SameCurrency
from paybridge.domain.exchange import ExchangeRate, Quote, convert, new_quote, parse_rate, plan_exchange
from paybridge.domain.flow_events import ExchangeRateUpdated
from paybridge.domain.money import Currency, Money
from paybridge.domain.movements import MovementDetails
from paybridge.domain.policy import PaymentPolicy
from paybridge.domain.transactions import Posting
from paybridge.domain.wallets import FX, system_account

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class QuoteResult:
    quote: Quote
    source_amount: Money | None = None
    destination_amount: Money | None = None


@dataclass(frozen=True, slots=True)
class ExchangeCommand:
    source_wallet_id: UUID
    destination_wallet_id: UUID
    amount: Any
    quote_id: UUID | None = None
    description: str | None = None


async def _current_rate(uow: UnitOfWork, base: Currency, quote: Currency) -> ExchangeRate:
    if base == quote:
        raise SameCurrency("an exchange needs two different currencies")
    rate = await uow.rates.current(base, quote)
    if rate is None:
        raise ExchangeRateUnavailable(
            f"there is no {base}/{quote} exchange rate", base_currency=base.code, quote_currency=quote.code
        )
    return rate


class QuoteExchange:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, policy: PaymentPolicy) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._policy = policy

    async def __call__(
        self, principal: Principal, source: Any, destination: Any, amount: Any | None = None
    ) -> QuoteResult:
        """A quote for converting `source` into `destination` (with what `amount` of source buys, if given)."""
        base, quote_currency = (
            Currency.of(source, "source_currency"),
            Currency.of(destination, "destination_currency"),
        )
        money = None if amount is None else Money.positive(amount, base)
        now = self._clock.now()
        async with self._uow_factory() as uow:
            rate = await _current_rate(uow, base, quote_currency)
            quote = new_quote(principal.user_id, rate, now, self._policy)
            bought = None if money is None else convert(money, rate.rate, quote_currency)
            await uow.quotes.add(quote)
            await uow.commit()
        return QuoteResult(quote, money, bought)


class ExchangeCurrency:
    def __init__(
        self, movements: IdempotentMovements, clock: Clock, metrics: Metrics, policy: PaymentPolicy
    ) -> None:
        self._movements = movements
        self._clock = clock
        self._metrics = metrics
        self._policy = policy

    async def __call__(self, principal: Principal, command: ExchangeCommand, key: str) -> MovementResult:
        return await recorded(self._metrics, "EXCHANGE", None, lambda: self._execute(principal, command, key))

    async def _execute(self, principal: Principal, command: ExchangeCommand, key: str) -> MovementResult:
        details = MovementDetails(None, command.description, None)
        source_id, destination_id = command.source_wallet_id, command.destination_wallet_id

        async def plan(uow: UnitOfWork) -> Posting:
            now = self._clock.now()
            quote = None
            if command.quote_id is not None:  # locked before any wallet: one exchange per quote
                quote = await uow.quotes.get(command.quote_id, lock=True)
                if quote is None or quote.user_id != principal.user_id:
                    raise QuoteNotFound(f"quote {command.quote_id} not found")
            wallets = await uow.wallets.get_many([source_id, destination_id])
            source = owned_wallet(wallets.get(source_id), source_id, principal)
            destination = owned_wallet(wallets.get(destination_id), destination_id, principal)
            money = Money.positive(command.amount, source.currency)
            rate = (
                quote.rate
                if quote
                else (await _current_rate(uow, source.currency, destination.currency)).rate
            )
            fx_source = system_account(FX, source.currency, now)
            fx_destination = system_account(FX, destination.currency, now)
            for account in (fx_source, fx_destination):
                await uow.wallets.ensure_system_account(account)
            source = await without_due_holds(uow, source, now)
            pair = (source, destination, fx_source, fx_destination)
            return plan_exchange(*pair, money, rate, quote, principal.user_id, details, now, self._policy)

        return await self._movements.run(principal.user_id, key, "exchange", request_of(command), plan)


class SetExchangeRate:
    """Administrators create or replace the rate of a currency pair (`exchange_rate.updated`)."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    async def __call__(self, principal: Principal, base: Any, quote: Any, rate: Any) -> ExchangeRate:
        if not principal.is_admin:
            raise AdminRequired("only administrators maintain exchange rates")
        pair = Currency.of(base, "base"), Currency.of(quote, "quote")
        if pair[0] == pair[1]:
            raise SameCurrency("a rate is between two different currencies")
        value: Decimal = parse_rate(rate)
        now = self._clock.now()
        updated = ExchangeRate(pair[0], pair[1], value, now, principal.user_id)
        async with self._uow_factory() as uow:
            await uow.rates.put(updated)
            await uow.outbox.add([ExchangeRateUpdated(occurred_at=now, rate=updated)])
            await uow.commit()
        logger.info("exchange rate set", extra={"pair": f"{pair[0]}/{pair[1]}", "rate": str(value)})
        return updated
