"""Security settings (part of `paybridge.config.Settings` as `settings.security`), read from the environment:
JWT key rotation, rate limits, trusted proxies, CORS and database TLS. See docs/security.md.

| Variable | Default | Meaning |
|---|---|---|
| PAYBRIDGE_JWT_KID | `default` | `kid` header of tokens signed with PAYBRIDGE_JWT_SECRET |
| PAYBRIDGE_JWT_VERIFICATION_KEYS | - | older keys still accepted: `kid1:secret1,kid2:secret2` |
| PAYBRIDGE_REDIS_URL | - | share rate-limit counts across replicas (else counted per process) |
| PAYBRIDGE_REDIS_KEY_PREFIX | `paybridge:ratelimit:` | namespace of the counters (one per deployment) |
| PAYBRIDGE_RATE_LIMIT_PER_IP | `100/minute` | every request but probes and /metrics, per client address |
| PAYBRIDGE_RATE_LIMIT_PER_USER | `30/minute` | money-moving requests, per authenticated user |
| PAYBRIDGE_LOGIN_RATE_LIMIT_PER_IP / _PER_ACCOUNT | `30/minute` / `10/minute` | `POST /auth/token` attempts |
| PAYBRIDGE_TRUSTED_PROXIES | - | CIDRs whose X-Forwarded-For / X-Forwarded-Proto are believed |
| PAYBRIDGE_CORS_ORIGINS | - | origins allowed by CORS (none: no CORS headers at all) |
| PAYBRIDGE_REQUIRE_DATABASE_TLS | `false` | refuse a DATABASE_URL without sslmode=require/verify-ca/verify-full |

A rate is `N/second`, `N/minute`, `N/hour` or `N/<seconds>s` (`10/30s`); `off` disables the limit.
Malformed values raise `ValueError` (reported by `Settings.from_env` as a configuration error).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from paybridge.application.ports.rate_limit import Rate

if TYPE_CHECKING:
    from paybridge.config import Settings

MIN_SECRET_LENGTH = 32  # JWT keys and the metrics token
MIN_PASSWORD_LENGTH = 16  # passwords inside DATABASE_URL / PAYBRIDGE_REDIS_URL
DEFAULT_RATE_PER_IP = Rate(100, 60)
DEFAULT_RATE_PER_USER = Rate(30, 60)
DEFAULT_LOGIN_RATE_PER_IP = Rate(30, 60)
DEFAULT_LOGIN_RATE_PER_ACCOUNT = Rate(10, 60)
SECURE_SSLMODES = frozenset({"require", "verify-ca", "verify-full"})
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
_KID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(second|sec|s|minute|min|m|hour|h|(\d+(?:\.\d+)?)s)\s*$", re.I)
_UNITS = {"second": 1, "sec": 1, "s": 1, "minute": 60, "min": 60, "m": 60, "hour": 3600, "h": 3600}
_SSLMODE = re.compile(r"(?:^|[?&\s])sslmode=([A-Za-z-]+)")


def parse_rate(name: str, raw: str | None, default: Rate | None) -> Rate | None:
    if raw is None or raw.strip() == "":
        return default
    if raw.strip().lower() in ("off", "none", "0"):
        return None
    match = _RATE.match(raw)
    if not match or int(match.group(1)) < 1:
        raise ValueError(f"{name} must look like 100/minute, 5/second, 1000/hour, 10/30s or off; got {raw!r}")
    seconds = float(match.group(3)) if match.group(3) else _UNITS[match.group(2).lower()]
    if seconds <= 0:
        raise ValueError(f"{name} needs a positive period; got {raw!r}")
    return Rate(int(match.group(1)), seconds)


def parse_keys(name: str, raw: str | None) -> tuple[tuple[str, str], ...]:
    """`kid1:secret1,kid2:secret2` -> ((kid1, secret1), (kid2, secret2)); secrets may contain ':'."""
    keys: list[tuple[str, str]] = []
    for item in (raw or "").split(","):
        if not item.strip():
            continue
        kid, separator, secret = item.strip().partition(":")
        if not separator or not _KID.fullmatch(kid) or not secret:
            raise ValueError(
                f"{name} must be kid:secret pairs separated by commas (kid: [A-Za-z0-9._-]{{1,64}})"
            )
        if kid in dict(keys):
            raise ValueError(f"{name} names kid {kid!r} twice")
        keys.append((kid, secret))
    return tuple(keys)


def parse_networks(name: str, raw: str | None) -> tuple[IpNetwork, ...]:
    try:
        return tuple(ipaddress.ip_network(part.strip()) for part in (raw or "").split(",") if part.strip())
    except ValueError as error:
        raise ValueError(f"{name} must be IP addresses or CIDRs separated by commas: {error}") from None


def _flag(name: str, raw: str | None, default: bool) -> bool:
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be true or false, got {raw!r}")


def database_sslmode(url: str | None, pgsslmode: str | None = None) -> str | None:
    """The sslmode libpq will use for `url`: its own `sslmode` parameter, else PGSSLMODE."""
    if url:
        query = parse_qs(urlsplit(url).query) if "://" in url else {}
        if query.get("sslmode"):
            return query["sslmode"][-1].lower()
        match = _SSLMODE.search(url)
        if match:
            return match.group(1).lower()
    return pgsslmode.lower() if pgsslmode else None


@dataclass(frozen=True, slots=True)
class SecuritySettings:
    jwt_kid: str = "default"
    jwt_verification_keys: tuple[tuple[str, str], ...] = ()
    redis_url: str | None = None
    redis_key_prefix: str = "paybridge:ratelimit:"
    rate_per_ip: Rate | None = DEFAULT_RATE_PER_IP
    rate_per_user: Rate | None = DEFAULT_RATE_PER_USER
    login_rate_per_ip: Rate | None = DEFAULT_LOGIN_RATE_PER_IP
    login_rate_per_account: Rate | None = DEFAULT_LOGIN_RATE_PER_ACCOUNT
    trusted_proxies: tuple[IpNetwork, ...] = ()
    cors_origins: tuple[str, ...] = ()
    require_database_tls: bool = False
    pgsslmode: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SecuritySettings:
        d = cls()
        kid = env.get("PAYBRIDGE_JWT_KID") or d.jwt_kid
        if not _KID.fullmatch(kid):
            raise ValueError("PAYBRIDGE_JWT_KID must be 1-64 characters of [A-Za-z0-9._-]")
        keys = parse_keys("PAYBRIDGE_JWT_VERIFICATION_KEYS", env.get("PAYBRIDGE_JWT_VERIFICATION_KEYS"))
        if kid in dict(keys):
            raise ValueError(f"PAYBRIDGE_JWT_VERIFICATION_KEYS must not name the signing kid {kid!r}")
        origins = tuple(
            o.strip().rstrip("/") for o in env.get("PAYBRIDGE_CORS_ORIGINS", "").split(",") if o.strip()
        )
        return cls(
            jwt_kid=kid,
            jwt_verification_keys=keys,
            redis_url=env.get("PAYBRIDGE_REDIS_URL") or None,
            redis_key_prefix=env.get("PAYBRIDGE_REDIS_KEY_PREFIX") or d.redis_key_prefix,
            rate_per_ip=parse_rate(
                "PAYBRIDGE_RATE_LIMIT_PER_IP", env.get("PAYBRIDGE_RATE_LIMIT_PER_IP"), d.rate_per_ip
            ),
            rate_per_user=parse_rate(
                "PAYBRIDGE_RATE_LIMIT_PER_USER", env.get("PAYBRIDGE_RATE_LIMIT_PER_USER"), d.rate_per_user
            ),
            login_rate_per_ip=parse_rate(
                "PAYBRIDGE_LOGIN_RATE_LIMIT_PER_IP",
                env.get("PAYBRIDGE_LOGIN_RATE_LIMIT_PER_IP"),
                d.login_rate_per_ip,
            ),
            login_rate_per_account=parse_rate(
                "PAYBRIDGE_LOGIN_RATE_LIMIT_PER_ACCOUNT",
                env.get("PAYBRIDGE_LOGIN_RATE_LIMIT_PER_ACCOUNT"),
                d.login_rate_per_account,
            ),
            trusted_proxies=parse_networks("PAYBRIDGE_TRUSTED_PROXIES", env.get("PAYBRIDGE_TRUSTED_PROXIES")),
            cors_origins=origins,
            require_database_tls=_flag(
                "PAYBRIDGE_REQUIRE_DATABASE_TLS", env.get("PAYBRIDGE_REQUIRE_DATABASE_TLS"), False
            ),
            pgsslmode=env.get("PGSSLMODE") or None,
        )

    def secret_values(self) -> tuple[str, ...]:
        """Literal secrets held here, for the log scrubber: verification keys and the Redis password."""
        redis_password = urlsplit(self.redis_url).password if self.redis_url else None
        return tuple(secret for _, secret in self.jwt_verification_keys) + (
            (redis_password,) if redis_password else ()
        )

    def database_tls(self, database_url: str | None) -> bool:
        return database_sslmode(database_url, self.pgsslmode) in SECURE_SSLMODES

    def problems(self, settings: Settings) -> list[str]:
        """Refusals in any environment (explicitly requested checks)."""
        if (
            self.require_database_tls
            and settings.database_url
            and not self.database_tls(settings.database_url)
        ):
            return [
                "PAYBRIDGE_REQUIRE_DATABASE_TLS is set but DATABASE_URL has no sslmode=require|verify-ca|verify-full"
            ]
        return []

    def production_problems(self, settings: Settings) -> list[str]:
        """Every secret the service is configured with, checked for length (the JWT signing secret itself is
        checked by `Settings.validate`)."""
        found = []
        for kid, secret in self.jwt_verification_keys:
            if len(secret) < MIN_SECRET_LENGTH:
                found.append(
                    f"PAYBRIDGE_JWT_VERIFICATION_KEYS: the key {kid!r} must be at least {MIN_SECRET_LENGTH} characters"
                )
        if settings.metrics_token is not None and len(settings.metrics_token) < MIN_SECRET_LENGTH:
            found.append(f"PAYBRIDGE_METRICS_TOKEN must be at least {MIN_SECRET_LENGTH} characters")
        for name, url in (("DATABASE_URL", settings.database_url), ("PAYBRIDGE_REDIS_URL", self.redis_url)):
            password = urlsplit(url).password if url and "://" in url else None
            if password is not None and len(password) < MIN_PASSWORD_LENGTH:
                found.append(f"the password in {name} must be at least {MIN_PASSWORD_LENGTH} characters")
        return found

    def production_warnings(self, settings: Settings) -> list[str]:
        found = []
        if settings.database_url and not self.database_tls(settings.database_url):
            found.append(
                "DATABASE_URL does not require TLS (add ?sslmode=verify-full, or require); "
                "set PAYBRIDGE_REQUIRE_DATABASE_TLS=true to refuse to start without it"
            )
        if self.redis_url is None and (self.rate_per_ip or self.rate_per_user or self.login_rate_per_account):
            found.append(
                "PAYBRIDGE_REDIS_URL is not set: rate limits are counted per process, so N replicas "
                "(or workers) allow N times the configured limits"
            )
        return found
