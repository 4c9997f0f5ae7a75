"""The composition root: the only module that knows which adapters implement which ports.

    container = build_container(storage="memory")        # in-process, for developers' tests
    container = build_container(storage="postgres", database_url="postgresql://...")
    await start(container)
    user = await container.register_user()("ada@example.com", "Ada Lovelace", "correct horse")
    ...
    await stop(container)

Entrypoints ask the container for what they need explicitly (no wiring, no injection decorators).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Literal, TypeVar
from urllib.parse import urlsplit

from dependency_injector import containers, providers

from paybridge.adapters.clock import SystemClock
from paybridge.adapters.logging.crash import exit_on_crash as exit_on_crash
from paybridge.adapters.logging.json_logging import configure_crash_logging as configure_crash_logging
from paybridge.adapters.logging.json_logging import configure_logging as configure_json_logging
from paybridge.adapters.memory.express import InMemoryExpressLedger
from paybridge.adapters.memory.health import InMemoryHealthChecks
from paybridge.adapters.memory.state import InMemoryDatabase
from paybridge.adapters.memory.uow import InMemoryUnitOfWorkFactory
from paybridge.adapters.postgres.database import PostgresDatabase
from paybridge.adapters.postgres.express import PostgresExpressLedger
from paybridge.adapters.postgres.health import PostgresHealthChecks
from paybridge.adapters.postgres.session import NullQueryObserver, QueryObserver
from paybridge.adapters.postgres.uow import PostgresUnitOfWorkFactory
from paybridge.adapters.prometheus.exporter import PrometheusExporter, multiprocess_directory
from paybridge.adapters.prometheus.exporter import mark_process_dead as mark_process_dead
from paybridge.adapters.prometheus.exporter import render_metrics as render_metrics
from paybridge.adapters.prometheus.metrics import PrometheusMetrics
from paybridge.adapters.ratelimit.memory import InMemoryRateLimiter
from paybridge.adapters.ratelimit.redis import RedisRateLimiter
from paybridge.adapters.security.argon2_hasher import Argon2PasswordHasher
from paybridge.adapters.security.jwt_tokens import JwtTokenService
from paybridge.application.health import HealthService
from paybridge.application.idempotency import IdempotentMovements
from paybridge.application.login_throttle import LoginThrottle
from paybridge.application.ports.metrics import (
    HttpMetrics,
    Metrics,
    NullHttpMetrics,
    NullMetrics,
    NullSecurityMetrics,
    SecurityMetrics,
)
from paybridge.application.ports.rate_limit import RateLimiter
from paybridge.application.use_cases.exchanges import ExchangeCurrency, QuoteExchange, SetExchangeRate
from paybridge.application.use_cases.history import GetTransaction, ListTransactions, ListWalletEntries
from paybridge.application.use_cases.holds import (
    CaptureHold,
    ExpireDueHolds,
    GetHold,
    ListHolds,
    PlaceHold,
    VoidHold,
)
from paybridge.application.use_cases.kyc import DecideKyc, SubmitKyc
from paybridge.application.use_cases.maintenance import PurgeExpiredIdempotencyKeys, PurgeExpiredQuotes
from paybridge.application.use_cases.move_money import DepositMoney, TransferMoney, WithdrawMoney
from paybridge.application.use_cases.reversals import ReverseTransaction
from paybridge.application.use_cases.users import GetProfile, IssueToken, RegisterUser
from paybridge.application.use_cases.wallet_admin import (
    ChangeWalletStatus,
    GetBalanceAt,
    GetWalletLimits,
    SetWalletLimits,
)
from paybridge.application.use_cases.wallets import GetWallet, ListWallets, OpenWallet
from paybridge.config import ConfigurationError, Settings
from paybridge.domain.limits import LimitPolicy
from paybridge.domain.policy import PaymentPolicy

StorageKind = Literal["memory", "postgres"]


def _metrics_backend(settings: Settings) -> str:
    return "prometheus" if settings.metrics_enabled else "null"


T = TypeVar("T")


def _enabled(flag: bool, value: T) -> T | None:
    return value if flag else None


def _rate_limit_backend(settings: Settings) -> str:
    """Redis (limits shared by every replica) when PAYBRIDGE_REDIS_URL is set, else this process's memory."""
    return "redis" if settings.security.redis_url else "memory"


def payment_policy(settings: Settings) -> PaymentPolicy:
    """The rules of moving money as configured (KYC, outgoing limits, reversal window, hold and quote TTLs)."""
    return PaymentPolicy(
        kyc_required_for_outgoing=settings.kyc_required_for_outgoing,
        limits=LimitPolicy.parse(settings.outgoing_limits),
        reversal_window=timedelta(seconds=settings.reversal_window_seconds),
        hold_default_ttl=timedelta(seconds=settings.hold_default_ttl_seconds),
        hold_max_ttl=timedelta(seconds=settings.hold_max_ttl_seconds),
        quote_ttl=timedelta(seconds=settings.exchange_quote_ttl_seconds),
    )


class Container(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)
    storage_kind = providers.Dependency(instance_of=str)

    clock = providers.Singleton(SystemClock)
    # Metrics (PAYBRIDGE_METRICS_ENABLED): one PrometheusMetrics per container (its own registry; in
    # multiprocess mode its values go to PROMETHEUS_MULTIPROC_DIR) behind the Metrics, HttpMetrics and
    # QueryObserver ports; `metrics_exporter` renders /metrics and is None when metrics are disabled.
    metrics_backend = providers.Callable(_metrics_backend, settings)
    prometheus_metrics = providers.Singleton(
        PrometheusMetrics, multiprocess_dir=providers.Callable(multiprocess_directory)
    )
    metrics: providers.Provider[Metrics] = providers.Selector(
        metrics_backend, prometheus=prometheus_metrics, null=providers.Singleton(NullMetrics)
    )
    http_metrics: providers.Provider[HttpMetrics] = providers.Selector(
        metrics_backend, prometheus=prometheus_metrics, null=providers.Singleton(NullHttpMetrics)
    )
    query_observer: providers.Provider[QueryObserver] = providers.Selector(
        metrics_backend, prometheus=prometheus_metrics, null=providers.Singleton(NullQueryObserver)
    )
    memory_database = providers.Singleton(InMemoryDatabase)
    database = providers.Singleton(
        PostgresDatabase,
        url=settings.provided.database_url,
        min_size=settings.provided.db_pool_min_size,
        max_size=settings.provided.db_pool_max_size,
        timeout_seconds=settings.provided.db_pool_timeout_seconds,
        statement_timeout_ms=settings.provided.db_statement_timeout_ms,
        observer=query_observer,
        notify_outbox=settings.provided.outbox_notify,
        generic_plans=settings.provided.db_generic_plans,
    )
    uow_factory = providers.Selector(
        storage_kind,
        memory=providers.Singleton(InMemoryUnitOfWorkFactory, memory_database),
        postgres=providers.Singleton(PostgresUnitOfWorkFactory, database),
    )
    express_ledger = providers.Selector(
        storage_kind,
        memory=providers.Singleton(InMemoryExpressLedger, memory_database),
        postgres=providers.Singleton(PostgresExpressLedger, database),
    )
    health_checks = providers.Selector(
        storage_kind,
        memory=providers.Singleton(InMemoryHealthChecks, memory_database, clock),
        postgres=providers.Singleton(PostgresHealthChecks, database, settings.provided.migrations_dir),
    )
    health = providers.Singleton(HealthService, health_checks)
    metrics_exporter: providers.Provider[PrometheusExporter | None] = providers.Selector(
        metrics_backend,
        prometheus=providers.Singleton(PrometheusExporter, prometheus_metrics, health_checks),
        null=providers.Object(None),
    )

    password_hasher = providers.Singleton(
        Argon2PasswordHasher,
        time_cost=settings.provided.argon2_time_cost,
        memory_cost_kib=settings.provided.argon2_memory_cost_kib,
        parallelism=settings.provided.argon2_parallelism,
    )
    tokens = providers.Singleton(
        JwtTokenService,
        secret=settings.provided.jwt_secret,
        issuer=settings.provided.jwt_issuer,
        audience=settings.provided.jwt_audience,
        ttl_seconds=settings.provided.jwt_ttl_seconds,
        clock=clock,
        kid=settings.provided.security.jwt_kid,
        verification_keys=settings.provided.security.jwt_verification_keys,
    )
    # Rate limits and the sign-in throttle (paybridge/security_config.py, docs/security.md).
    security_metrics: providers.Provider[SecurityMetrics] = providers.Selector(
        metrics_backend, prometheus=prometheus_metrics, null=providers.Singleton(NullSecurityMetrics)
    )
    rate_limiter: providers.Provider[RateLimiter] = providers.Selector(
        providers.Callable(_rate_limit_backend, settings),
        memory=providers.Singleton(InMemoryRateLimiter),
        redis=providers.Singleton(
            RedisRateLimiter,
            url=settings.provided.security.redis_url,
            key_prefix=settings.provided.security.redis_key_prefix,
        ),
    )
    login_throttle = providers.Singleton(
        LoginThrottle,
        limiter=rate_limiter,
        per_ip=settings.provided.security.login_rate_per_ip,
        per_account=settings.provided.security.login_rate_per_account,
        metrics=security_metrics,
    )
    policy = providers.Singleton(payment_policy, settings)
    movements = providers.Singleton(
        IdempotentMovements,
        uow_factory=uow_factory,
        clock=clock,
        ttl_seconds=settings.provided.idempotency_ttl_seconds,
        max_retries=settings.provided.db_max_retries,
        metrics=metrics,
        express=providers.Callable(_enabled, settings.provided.express_postings, express_ledger),
    )

    register_user = providers.Singleton(RegisterUser, uow_factory, password_hasher, clock)
    issue_token = providers.Singleton(IssueToken, uow_factory, password_hasher, tokens, login_throttle)
    get_profile = providers.Singleton(GetProfile, uow_factory)
    open_wallet = providers.Singleton(OpenWallet, uow_factory, clock)
    get_wallet = providers.Singleton(GetWallet, uow_factory, clock, metrics)
    list_wallets = providers.Singleton(ListWallets, uow_factory)
    deposit_money = providers.Singleton(DepositMoney, movements, clock, metrics)
    withdraw_money = providers.Singleton(WithdrawMoney, movements, clock, metrics, policy)
    transfer_money = providers.Singleton(TransferMoney, movements, clock, metrics, policy)
    # payment flows: holds, reversals, exchange, KYC, wallet administration, limits, balance history
    place_hold = providers.Singleton(PlaceHold, movements, clock, metrics, policy)
    capture_hold = providers.Singleton(CaptureHold, movements, clock, metrics)
    void_hold = providers.Singleton(VoidHold, movements, clock, metrics)
    get_hold = providers.Singleton(GetHold, uow_factory, clock, metrics)
    list_holds = providers.Singleton(ListHolds, uow_factory, clock, metrics)
    expire_due_holds = providers.Singleton(ExpireDueHolds, uow_factory, clock, metrics)
    reverse_transaction = providers.Singleton(ReverseTransaction, movements, clock, metrics, policy)
    quote_exchange = providers.Singleton(QuoteExchange, uow_factory, clock, policy)
    exchange_currency = providers.Singleton(ExchangeCurrency, movements, clock, metrics, policy)
    set_exchange_rate = providers.Singleton(SetExchangeRate, uow_factory, clock)
    submit_kyc = providers.Singleton(SubmitKyc, uow_factory, clock)
    decide_kyc = providers.Singleton(DecideKyc, uow_factory, clock)
    change_wallet_status = providers.Singleton(ChangeWalletStatus, uow_factory, clock)
    set_wallet_limits = providers.Singleton(SetWalletLimits, uow_factory, clock)
    get_wallet_limits = providers.Singleton(GetWalletLimits, uow_factory, clock, policy)
    get_balance_at = providers.Singleton(GetBalanceAt, uow_factory, clock)
    get_transaction = providers.Singleton(GetTransaction, uow_factory, clock)
    list_transactions = providers.Singleton(ListTransactions, uow_factory)
    list_wallet_entries = providers.Singleton(ListWalletEntries, uow_factory)
    purge_idempotency_keys = providers.Singleton(PurgeExpiredIdempotencyKeys, uow_factory, clock)
    purge_expired_quotes = providers.Singleton(
        PurgeExpiredQuotes, uow_factory, clock, settings.provided.exchange_quote_retention_seconds
    )


def build_container(
    storage: StorageKind = "postgres", settings: Settings | None = None, database_url: str | None = None
) -> Container:
    """A container wired for `storage`. With "postgres", `database_url` (or settings.database_url) must
    name the database; the pool opens in `start()`."""
    settings = settings or Settings.from_env()
    if storage == "postgres":
        url = database_url or settings.database_url
        if not url:
            raise ConfigurationError("storage 'postgres' needs a database URL (DATABASE_URL)")
        if url != settings.database_url:
            settings = _with_database_url(settings, url)
    elif storage != "memory":
        raise ConfigurationError(f"unknown storage {storage!r}: use 'memory' or 'postgres'")
    container = Container(settings=settings, storage_kind=storage)
    return container


def configure_logging(settings: Settings) -> None:
    """JSON lines on stdout at the configured level, carrying the request context; the configured secrets
    (JWT signing and verification keys, metrics token, database and Redis passwords) are redacted should any
    line ever contain them."""
    database_password = urlsplit(settings.database_url).password if settings.database_url else None
    configure_json_logging(
        settings.log_level,
        secrets=(
            settings.jwt_secret,
            settings.metrics_token,
            database_password,
            *settings.security.secret_values(),
        ),
    )


async def start(container: Container) -> None:
    if container.storage_kind() == "postgres":
        await container.database().open()


async def stop(container: Container) -> None:
    await container.rate_limiter().close()
    if container.storage_kind() == "postgres":
        await container.database().close()


def _with_database_url(settings: Settings, url: str) -> Settings:
    return replace(settings, database_url=url)
