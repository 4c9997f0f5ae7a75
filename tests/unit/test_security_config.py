"""Security settings from the environment: rates, JWT key rings, trusted proxies, CORS, database TLS, and
the production check of every secret."""

from __future__ import annotations

import ipaddress

import pytest

from paybridge.application.ports.rate_limit import Rate
from paybridge.config import ConfigurationError, Settings
from paybridge.security_config import (
    DEFAULT_RATE_PER_IP,
    DEFAULT_RATE_PER_USER,
    SecuritySettings,
    database_sslmode,
    parse_keys,
    parse_rate,
)

STRONG = "s" * 32
PRODUCTION = {
    "PAYBRIDGE_ENV": "production",
    "DATABASE_URL": "postgresql://paybridge@db.internal:5432/paybridge?sslmode=verify-full",
    "PAYBRIDGE_JWT_SECRET": STRONG,
    "PAYBRIDGE_REDIS_URL": "rediss://redis.internal:6380/0",
}


def test_defaults() -> None:
    security = Settings.from_env({}).security
    assert security == SecuritySettings()
    assert (security.rate_per_ip, security.rate_per_user) == (DEFAULT_RATE_PER_IP, DEFAULT_RATE_PER_USER)
    assert (DEFAULT_RATE_PER_IP.limit, DEFAULT_RATE_PER_USER.limit) == (100, 30)
    assert security.redis_url is None and security.trusted_proxies == () and security.cors_origins == ()
    assert security.jwt_kid == "default" and security.jwt_verification_keys == ()


@pytest.mark.parametrize(
    ("raw", "rate"),
    [
        ("100/minute", Rate(100, 60)),
        ("100/min", Rate(100, 60)),
        ("5/second", Rate(5, 1)),
        ("5 / s", Rate(5, 1)),
        ("1000/hour", Rate(1000, 3600)),
        ("10/30s", Rate(10, 30)),
        ("3/1.5s", Rate(3, 1.5)),
        ("off", None),
        ("0", None),
        ("", DEFAULT_RATE_PER_IP),
    ],
)
def test_parse_rate(raw: str, rate: Rate | None) -> None:
    assert parse_rate("X", raw, DEFAULT_RATE_PER_IP) == rate


@pytest.mark.parametrize(
    "raw", ["100", "100/day", "-1/minute", "0/minute", "ten/minute", "5/0s", "5/minutes"]
)
def test_malformed_rates_are_configuration_errors(raw: str) -> None:
    with pytest.raises(ConfigurationError, match="PAYBRIDGE_RATE_LIMIT_PER_IP"):
        Settings.from_env({"PAYBRIDGE_RATE_LIMIT_PER_IP": raw})


def test_everything_is_read_from_the_environment() -> None:
    security = Settings.from_env(
        {
            "PAYBRIDGE_JWT_KID": "2026-06",
            "PAYBRIDGE_JWT_VERIFICATION_KEYS": "2026-01:old:secret:with:colons, 2025-12:older",
            "PAYBRIDGE_REDIS_URL": "redis://:pw@redis:6379/2",
            "PAYBRIDGE_REDIS_KEY_PREFIX": "pb-eu:",
            "PAYBRIDGE_RATE_LIMIT_PER_IP": "10/second",
            "PAYBRIDGE_RATE_LIMIT_PER_USER": "off",
            "PAYBRIDGE_LOGIN_RATE_LIMIT_PER_IP": "7/minute",
            "PAYBRIDGE_LOGIN_RATE_LIMIT_PER_ACCOUNT": "3/minute",
            "PAYBRIDGE_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.1,2001:db8::/32",
            "PAYBRIDGE_CORS_ORIGINS": "https://app.example.com/, https://admin.example.com",
            "PAYBRIDGE_REQUIRE_DATABASE_TLS": "false",
        }
    ).security
    assert security.jwt_kid == "2026-06"
    assert security.jwt_verification_keys == (("2026-01", "old:secret:with:colons"), ("2025-12", "older"))
    assert (security.redis_url, security.redis_key_prefix) == ("redis://:pw@redis:6379/2", "pb-eu:")
    assert (security.rate_per_ip, security.rate_per_user) == (Rate(10, 1), None)
    assert (security.login_rate_per_ip, security.login_rate_per_account) == (Rate(7, 60), Rate(3, 60))
    assert security.trusted_proxies == (
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("192.168.1.1/32"),
        ipaddress.ip_network("2001:db8::/32"),
    )
    assert security.cors_origins == ("https://app.example.com", "https://admin.example.com")
    assert security.secret_values() == ("old:secret:with:colons", "older", "pw")


@pytest.mark.parametrize(
    ("env", "complaint"),
    [
        ({"PAYBRIDGE_JWT_VERIFICATION_KEYS": "no-colon"}, "kid:secret"),
        ({"PAYBRIDGE_JWT_VERIFICATION_KEYS": "bad kid:secret"}, "kid:secret"),
        ({"PAYBRIDGE_JWT_VERIFICATION_KEYS": "a:1,a:2"}, "twice"),
        ({"PAYBRIDGE_JWT_VERIFICATION_KEYS": "default:x"}, "signing kid"),
        ({"PAYBRIDGE_JWT_KID": "has space"}, "PAYBRIDGE_JWT_KID"),
        ({"PAYBRIDGE_TRUSTED_PROXIES": "10.0.0.0/33"}, "PAYBRIDGE_TRUSTED_PROXIES"),
        ({"PAYBRIDGE_TRUSTED_PROXIES": "proxy.internal"}, "PAYBRIDGE_TRUSTED_PROXIES"),
        ({"PAYBRIDGE_REQUIRE_DATABASE_TLS": "maybe"}, "PAYBRIDGE_REQUIRE_DATABASE_TLS"),
    ],
)
def test_malformed_security_settings_are_refused(env: dict[str, str], complaint: str) -> None:
    with pytest.raises(ConfigurationError, match=complaint):
        Settings.from_env(env)


def test_parse_keys_ignores_empty_items() -> None:
    assert parse_keys("X", " , k1:abc ,") == (("k1", "abc"),)


@pytest.mark.parametrize(
    ("url", "pgsslmode", "mode"),
    [
        ("postgresql://u@h/db?sslmode=verify-full", None, "verify-full"),
        ("postgresql://u@h/db?application_name=x&sslmode=require", None, "require"),
        ("postgresql://u@h/db", "verify-ca", "verify-ca"),
        ("postgresql://u@h/db?sslmode=prefer", "require", "prefer"),  # the URL wins, as in libpq
        ("host=h dbname=db sslmode=require", None, "require"),
        ("postgresql://u@h/db", None, None),
    ],
)
def test_database_sslmode(url: str, pgsslmode: str | None, mode: str | None) -> None:
    assert database_sslmode(url, pgsslmode) == mode


def test_a_safe_production_configuration_starts_without_warnings() -> None:
    settings = Settings.from_env(PRODUCTION)
    assert settings.warnings() == []


@pytest.mark.parametrize("sslmode", ["", "?sslmode=disable", "?sslmode=prefer", "?sslmode=allow"])
def test_production_warns_about_a_database_without_tls(sslmode: str) -> None:
    settings = Settings.from_env({**PRODUCTION, "DATABASE_URL": f"postgresql://pb@db/pb{sslmode}"})
    [warning] = settings.warnings()
    assert "sslmode=verify-full" in warning and "PAYBRIDGE_REQUIRE_DATABASE_TLS" in warning
    assert Settings.from_env({"DATABASE_URL": f"postgresql://pb@db/pb{sslmode}"}).warnings() == []


def test_production_warns_that_limits_without_redis_are_per_process() -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != "PAYBRIDGE_REDIS_URL"}
    [warning] = Settings.from_env(env).warnings()
    assert "PAYBRIDGE_REDIS_URL is not set" in warning
    off = {f"PAYBRIDGE_{name}": "off" for name in ("RATE_LIMIT_PER_IP", "RATE_LIMIT_PER_USER")}
    off["PAYBRIDGE_LOGIN_RATE_LIMIT_PER_ACCOUNT"] = "off"
    assert Settings.from_env({**env, **off}).warnings() == []  # limits left to a gateway


def test_requiring_database_tls_refuses_to_start_without_it() -> None:
    env = {**PRODUCTION, "DATABASE_URL": "postgresql://pb@db/pb", "PAYBRIDGE_REQUIRE_DATABASE_TLS": "true"}
    with pytest.raises(ConfigurationError, match="sslmode"):
        Settings.from_env(env)
    with pytest.raises(ConfigurationError, match="sslmode"):  # in any environment once asked for
        Settings.from_env({**env, "PAYBRIDGE_ENV": "development"})
    Settings.from_env({**env, "DATABASE_URL": "postgresql://pb@db/pb?sslmode=require"})
    Settings.from_env({**env, "DATABASE_URL": "postgresql://pb@db/pb", "PGSSLMODE": "verify-full"})


@pytest.mark.parametrize(
    ("extra", "complaint"),
    [
        ({"PAYBRIDGE_JWT_VERIFICATION_KEYS": f"old:{'x' * 31}"}, "the key 'old' must be at least 32"),
        ({"PAYBRIDGE_JWT_VERIFICATION_KEYS": f"a:{STRONG},b:short"}, "the key 'b'"),
        ({"PAYBRIDGE_METRICS_TOKEN": "t" * 31}, "PAYBRIDGE_METRICS_TOKEN must be at least 32"),
        ({"DATABASE_URL": "postgresql://pb:short@db/pb?sslmode=require"}, "password in DATABASE_URL"),
        ({"PAYBRIDGE_REDIS_URL": "redis://:short@redis:6379/0"}, "password in PAYBRIDGE_REDIS_URL"),
        ({"PAYBRIDGE_JWT_SECRET": "x" * 31}, "PAYBRIDGE_JWT_SECRET must be at least 32"),
    ],
)
def test_production_checks_every_secret(extra: dict[str, str], complaint: str) -> None:
    with pytest.raises(ConfigurationError, match="refusing to start in production") as refused:
        Settings.from_env({**PRODUCTION, **extra})
    assert complaint in str(refused.value)
    Settings.from_env({**PRODUCTION, **extra, "PAYBRIDGE_ENV": "development"})  # development tolerates them


def test_production_accepts_long_secrets_everywhere() -> None:
    settings = Settings.from_env(
        {
            **PRODUCTION,
            "DATABASE_URL": f"postgresql://pb:{'p' * 16}@db/pb?sslmode=verify-full",
            "PAYBRIDGE_REDIS_URL": f"rediss://:{'r' * 16}@redis:6380/0",
            "PAYBRIDGE_JWT_VERIFICATION_KEYS": f"old:{'o' * 32}",
            "PAYBRIDGE_METRICS_TOKEN": "m" * 32,
        }
    )
    assert settings.security.secret_values() == ("o" * 32, "r" * 16)
