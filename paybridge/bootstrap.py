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
from typing import Literal, Protocol

from dependency_injector import containers, providers

from paybridge.adapters.clock import SystemClock
from paybridge.adapters.logging.json_logging import configure_logging as configure_json_logging
from paybridge.adapters.memory.state import InMemoryDatabase
from paybridge.adapters.memory.uow import InMemoryUnitOfWorkFactory
from paybridge.adapters.postgres.database import PostgresDatabase
from paybridge.adapters.postgres.uow import PostgresUnitOfWorkFactory
from paybridge.adapters.security.argon2_hasher import Argon2PasswordHasher
from paybridge.adapters.security.jwt_tokens import JwtTokenService
from paybridge.application.idempotency import IdempotentMovements
from paybridge.application.ports.metrics import Metrics, NullMetrics
from paybridge.application.use_cases.history import GetTransaction, ListTransactions, ListWalletEntries
from paybridge.application.use_cases.maintenance import PurgeExpiredIdempotencyKeys
from paybridge.application.use_cases.move_money import DepositMoney, TransferMoney, WithdrawMoney
from paybridge.application.use_cases.users import GetProfile, IssueToken, RegisterUser
from paybridge.application.use_cases.wallets import GetWallet, ListWallets, OpenWallet
from paybridge.config import ConfigurationError, Settings

StorageKind = Literal["memory", "postgres"]


class Probe(Protocol):
    async def __call__(self) -> dict[str, str]:
        """Component name -> "healthy" or what is wrong with it."""


class InMemoryProbe:
    async def __call__(self) -> dict[str, str]:
        return {"database": "healthy"}


class PostgresProbe:
    def __init__(self, database: PostgresDatabase) -> None:
        self._database = database

    async def __call__(self) -> dict[str, str]:
        problem = await self._database.ping(within_seconds=2.0)
        return {"database": "healthy" if problem is None else f"unhealthy: {problem}"}


class Container(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)
    storage_kind = providers.Dependency(instance_of=str)

    clock = providers.Singleton(SystemClock)
    metrics: providers.Provider[Metrics] = providers.Singleton(NullMetrics)
    memory_database = providers.Singleton(InMemoryDatabase)
    database = providers.Singleton(
        PostgresDatabase,
        url=settings.provided.database_url,
        min_size=settings.provided.db_pool_min_size,
        max_size=settings.provided.db_pool_max_size,
        timeout_seconds=settings.provided.db_pool_timeout_seconds,
        statement_timeout_ms=settings.provided.db_statement_timeout_ms,
    )
    uow_factory = providers.Selector(
        storage_kind,
        memory=providers.Singleton(InMemoryUnitOfWorkFactory, memory_database),
        postgres=providers.Singleton(PostgresUnitOfWorkFactory, database),
    )
    readiness_probe = providers.Selector(
        storage_kind,
        memory=providers.Singleton(InMemoryProbe),
        postgres=providers.Singleton(PostgresProbe, database),
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
    )
    movements = providers.Singleton(
        IdempotentMovements,
        uow_factory=uow_factory,
        clock=clock,
        ttl_seconds=settings.provided.idempotency_ttl_seconds,
        max_retries=settings.provided.db_max_retries,
        metrics=metrics,
    )

    register_user = providers.Singleton(RegisterUser, uow_factory, password_hasher, clock)
    issue_token = providers.Singleton(IssueToken, uow_factory, password_hasher, tokens)
    get_profile = providers.Singleton(GetProfile, uow_factory)
    open_wallet = providers.Singleton(OpenWallet, uow_factory, clock)
    get_wallet = providers.Singleton(GetWallet, uow_factory)
    list_wallets = providers.Singleton(ListWallets, uow_factory)
    deposit_money = providers.Singleton(DepositMoney, movements, clock, metrics)
    withdraw_money = providers.Singleton(WithdrawMoney, movements, clock, metrics)
    transfer_money = providers.Singleton(TransferMoney, movements, clock, metrics)
    get_transaction = providers.Singleton(GetTransaction, uow_factory)
    list_transactions = providers.Singleton(ListTransactions, uow_factory)
    list_wallet_entries = providers.Singleton(ListWalletEntries, uow_factory)
    purge_idempotency_keys = providers.Singleton(PurgeExpiredIdempotencyKeys, uow_factory, clock)


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
    """JSON lines on stdout at the configured level, carrying the request context."""
    configure_json_logging(settings.log_level)


async def start(container: Container) -> None:
    if container.storage_kind() == "postgres":
        await container.database().open()


async def stop(container: Container) -> None:
    if container.storage_kind() == "postgres":
        await container.database().close()


def _with_database_url(settings: Settings, url: str) -> Settings:
    return replace(settings, database_url=url)
