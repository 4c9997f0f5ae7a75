"""Settings read from the environment (DATABASE_URL, PAYBRIDGE_*), validated once at start-up.

In production (`PAYBRIDGE_ENV=production`) an unsafe configuration is refused with `ConfigurationError`
instead of falling back to development defaults.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from paybridge.domain.limits import LimitPolicy
from paybridge.security_config import SecuritySettings

DEFAULT_JWT_SECRET = "dev-only-insecure-jwt-secret-change-me"  # noqa: S105 (refused in production)
MIN_PRODUCTION_SECRET_LENGTH = 32
ENVIRONMENTS = ("development", "test", "production")


class ConfigurationError(Exception):
    """The environment describes a configuration the service must not run with."""


@dataclass(frozen=True, slots=True)
class Settings:
    env: str = "development"
    database_url: str | None = None
    data_dir: Path = Path(".paybridge")
    db_pool_min_size: int = 1
    db_pool_max_size: int = 8
    db_pool_timeout_seconds: float = 5.0
    db_statement_timeout_ms: int = 15_000
    db_max_retries: int = 5
    outbox_notify: bool = True  # NOTIFY the relay after commits that wrote events (else it polls)
    db_generic_plans: bool = True  # plan_cache_mode=force_generic_plan for the API's sessions
    express_postings: bool = True  # transfers/withdrawals first try one statement (docs/architecture.md)
    jwt_secret: str = DEFAULT_JWT_SECRET
    jwt_issuer: str = "paybridge"
    jwt_audience: str = "paybridge-api"
    jwt_ttl_seconds: int = 900
    argon2_time_cost: int = 3
    argon2_memory_cost_kib: int = 65_536
    argon2_parallelism: int = 4
    idempotency_ttl_seconds: int = 86_400
    idempotency_purge_interval_seconds: int = 300
    max_body_bytes: int = 65_536
    log_level: str = "INFO"
    shutdown_grace_seconds: float = 20.0
    shutdown_drain_seconds: float = 0.0
    metrics_enabled: bool = True
    metrics_token: str | None = None
    metrics_on_api_port: bool = True
    # payment flows (issue 6): KYC policy, outgoing limits, reversals, holds, exchange quotes
    kyc_required_for_outgoing: bool = True
    outgoing_limits: str = ""
    reversal_window_seconds: int = 3_600
    hold_default_ttl_seconds: int = 604_800
    hold_max_ttl_seconds: int = 2_592_000
    hold_sweep_interval_seconds: float = 30.0
    exchange_quote_ttl_seconds: int = 60
    exchange_quote_retention_seconds: int = 604_800  # unused quotes are purged this long after they expired
    migrations_dir: Path = field(
        default_factory=lambda: Path(__file__).resolve().parent.parent / "migrations"
    )
    # key rotation, rate limits, trusted proxies, CORS, database TLS (issue 7): paybridge/security_config.py
    security: SecuritySettings = field(default_factory=SecuritySettings)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        reader = _Reader(env)
        defaults = cls()
        settings = cls(
            env=reader.choice("PAYBRIDGE_ENV", defaults.env, ENVIRONMENTS),
            database_url=env.get("DATABASE_URL") or None,
            data_dir=Path(env.get("PAYBRIDGE_DATA_DIR", str(defaults.data_dir))),
            db_pool_min_size=reader.integer("PAYBRIDGE_DB_POOL_MIN_SIZE", defaults.db_pool_min_size, 0),
            db_pool_max_size=reader.integer("PAYBRIDGE_DB_POOL_MAX_SIZE", defaults.db_pool_max_size, 1),
            db_pool_timeout_seconds=reader.number(
                "PAYBRIDGE_DB_POOL_TIMEOUT_SECONDS", defaults.db_pool_timeout_seconds
            ),
            db_statement_timeout_ms=reader.integer(
                "PAYBRIDGE_DB_STATEMENT_TIMEOUT_MS", defaults.db_statement_timeout_ms, 0
            ),
            db_max_retries=reader.integer("PAYBRIDGE_DB_MAX_RETRIES", defaults.db_max_retries, 0),
            outbox_notify=reader.flag("PAYBRIDGE_OUTBOX_NOTIFY", defaults.outbox_notify),
            db_generic_plans=reader.flag("PAYBRIDGE_DB_GENERIC_PLANS", defaults.db_generic_plans),
            express_postings=reader.flag("PAYBRIDGE_EXPRESS_POSTINGS", defaults.express_postings),
            jwt_secret=env.get("PAYBRIDGE_JWT_SECRET", defaults.jwt_secret),
            jwt_issuer=env.get("PAYBRIDGE_JWT_ISSUER", defaults.jwt_issuer),
            jwt_audience=env.get("PAYBRIDGE_JWT_AUDIENCE", defaults.jwt_audience),
            jwt_ttl_seconds=reader.integer("PAYBRIDGE_JWT_TTL_SECONDS", defaults.jwt_ttl_seconds, 1),
            argon2_time_cost=reader.integer("PAYBRIDGE_ARGON2_TIME_COST", defaults.argon2_time_cost, 1),
            argon2_memory_cost_kib=reader.integer(
                "PAYBRIDGE_ARGON2_MEMORY_COST_KIB", defaults.argon2_memory_cost_kib, 8
            ),
            argon2_parallelism=reader.integer("PAYBRIDGE_ARGON2_PARALLELISM", defaults.argon2_parallelism, 1),
            idempotency_ttl_seconds=reader.integer(
                "PAYBRIDGE_IDEMPOTENCY_TTL_SECONDS", defaults.idempotency_ttl_seconds, 1
            ),
            idempotency_purge_interval_seconds=reader.integer(
                "PAYBRIDGE_IDEMPOTENCY_PURGE_INTERVAL_SECONDS", defaults.idempotency_purge_interval_seconds, 1
            ),
            max_body_bytes=reader.integer("PAYBRIDGE_MAX_BODY_BYTES", defaults.max_body_bytes, 1024),
            log_level=reader.choice(
                "PAYBRIDGE_LOG_LEVEL", defaults.log_level, ("DEBUG", "INFO", "WARNING", "ERROR"), upper=True
            ),
            shutdown_grace_seconds=reader.number(
                "PAYBRIDGE_SHUTDOWN_GRACE_SECONDS", defaults.shutdown_grace_seconds
            ),
            shutdown_drain_seconds=reader.number(
                "PAYBRIDGE_SHUTDOWN_DRAIN_SECONDS", defaults.shutdown_drain_seconds, allow_zero=True
            ),
            metrics_enabled=reader.flag("PAYBRIDGE_METRICS_ENABLED", defaults.metrics_enabled),
            metrics_token=env.get("PAYBRIDGE_METRICS_TOKEN") or None,
            metrics_on_api_port=reader.flag("PAYBRIDGE_METRICS_ON_API_PORT", defaults.metrics_on_api_port),
            migrations_dir=Path(env.get("PAYBRIDGE_MIGRATIONS_DIR", str(defaults.migrations_dir))),
            kyc_required_for_outgoing=reader.flag(
                "PAYBRIDGE_KYC_REQUIRED_FOR_OUTGOING", defaults.kyc_required_for_outgoing
            ),
            outgoing_limits=env.get("PAYBRIDGE_LIMITS", defaults.outgoing_limits),
            reversal_window_seconds=reader.integer(
                "PAYBRIDGE_REVERSAL_WINDOW_SECONDS", defaults.reversal_window_seconds, 0
            ),
            hold_default_ttl_seconds=reader.integer(
                "PAYBRIDGE_HOLD_DEFAULT_TTL_SECONDS", defaults.hold_default_ttl_seconds, 1
            ),
            hold_max_ttl_seconds=reader.integer(
                "PAYBRIDGE_HOLD_MAX_TTL_SECONDS", defaults.hold_max_ttl_seconds, 1
            ),
            hold_sweep_interval_seconds=reader.number(
                "PAYBRIDGE_HOLD_SWEEP_INTERVAL_SECONDS", defaults.hold_sweep_interval_seconds
            ),
            exchange_quote_ttl_seconds=reader.integer(
                "PAYBRIDGE_EXCHANGE_QUOTE_TTL_SECONDS", defaults.exchange_quote_ttl_seconds, 1
            ),
            exchange_quote_retention_seconds=reader.integer(
                "PAYBRIDGE_EXCHANGE_QUOTE_RETENTION_SECONDS", defaults.exchange_quote_retention_seconds, 0
            ),
            security=_security_settings(env),
        )
        settings.validate()
        return settings

    def validate(self) -> None:
        if self.db_pool_min_size > self.db_pool_max_size:
            raise ConfigurationError("PAYBRIDGE_DB_POOL_MIN_SIZE must not exceed PAYBRIDGE_DB_POOL_MAX_SIZE")
        if self.hold_default_ttl_seconds > self.hold_max_ttl_seconds:
            raise ConfigurationError(
                "PAYBRIDGE_HOLD_DEFAULT_TTL_SECONDS must not exceed PAYBRIDGE_HOLD_MAX_TTL_SECONDS"
            )
        try:
            LimitPolicy.parse(self.outgoing_limits)
        except ValueError as error:
            raise ConfigurationError(f"PAYBRIDGE_LIMITS: {error}") from None
        explicit = self.security.problems(self)
        if explicit:
            raise ConfigurationError("refusing to start: " + "; ".join(explicit))
        if not self.is_production:
            return
        problems = self.security.production_problems(self)
        if not self.database_url:
            problems.append(
                "DATABASE_URL is required in production (the embedded database is for development)"
            )
        if self.jwt_secret == DEFAULT_JWT_SECRET:
            problems.append("PAYBRIDGE_JWT_SECRET is the development default")
        elif len(self.jwt_secret) < MIN_PRODUCTION_SECRET_LENGTH:
            problems.append(
                f"PAYBRIDGE_JWT_SECRET must be at least {MIN_PRODUCTION_SECRET_LENGTH} characters"
            )
        if problems:
            raise ConfigurationError("refusing to start in production: " + "; ".join(problems))

    def warnings(self) -> list[str]:
        """Unsafe but tolerated settings, logged at start-up (production only)."""
        return self.security.production_warnings(self) if self.is_production else []


def _security_settings(env: Mapping[str, str]) -> SecuritySettings:
    try:
        return SecuritySettings.from_env(env)
    except ValueError as error:
        raise ConfigurationError(str(error)) from None


class _Reader:
    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = env

    def integer(self, name: str, default: int, minimum: int) -> int:
        raw = self._env.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise ConfigurationError(f"{name} must be an integer, got {raw!r}") from None
        if value < minimum:
            raise ConfigurationError(f"{name} must be >= {minimum}, got {value}")
        return value

    def number(self, name: str, default: float, allow_zero: bool = False) -> float:
        raw = self._env.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = float(raw)
        except ValueError:
            raise ConfigurationError(f"{name} must be a number, got {raw!r}") from None
        if value < 0 or (value == 0 and not allow_zero):
            raise ConfigurationError(f"{name} must be positive, got {value}")
        return value

    def flag(self, name: str, default: bool) -> bool:
        raw = self._env.get(name)
        if raw is None or raw == "":
            return default
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off"):
            return False
        raise ConfigurationError(f"{name} must be true or false, got {raw!r}")

    def choice(self, name: str, default: str, allowed: tuple[str, ...], upper: bool = False) -> str:
        raw = self._env.get(name) or default
        value = raw.upper() if upper else raw.lower()
        if value not in allowed:
            raise ConfigurationError(f"{name} must be one of {', '.join(allowed)}, got {raw!r}")
        return value
