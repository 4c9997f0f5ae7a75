"""Settings.from_env: development defaults, and refusal of unsafe production configurations."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from paybridge.config import DEFAULT_JWT_SECRET, MIN_PRODUCTION_SECRET_LENGTH, ConfigurationError, Settings

STRONG_SECRET = "s" * MIN_PRODUCTION_SECRET_LENGTH
PRODUCTION_DB = "postgresql://paybridge@db.internal:5432/paybridge"


def test_defaults_without_environment() -> None:
    settings = Settings.from_env({})
    assert settings.env == "development"
    assert not settings.is_production
    assert settings.database_url is None
    assert settings.data_dir == Path(".paybridge")
    assert settings.jwt_secret == DEFAULT_JWT_SECRET
    assert settings.db_pool_min_size <= settings.db_pool_max_size
    assert settings.log_level == "INFO"
    assert (settings.migrations_dir / "0001_users.sql").is_file()


def test_values_are_read_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "DATABASE_URL": "postgresql://u@h/db",
            "PAYBRIDGE_ENV": "Test",
            "PAYBRIDGE_DATA_DIR": "/var/lib/pb",
            "PAYBRIDGE_DB_POOL_MAX_SIZE": "20",
            "PAYBRIDGE_LOG_LEVEL": "debug",
        }
    )
    assert settings.database_url == "postgresql://u@h/db"
    assert settings.env == "test"
    assert settings.data_dir == Path("/var/lib/pb")
    assert settings.db_pool_max_size == 20
    assert settings.log_level == "DEBUG"


def test_the_speed_settings_are_on_by_default_and_can_be_switched_off() -> None:
    defaults = Settings.from_env({})
    assert defaults.express_postings and defaults.db_generic_plans
    off = Settings.from_env({"PAYBRIDGE_EXPRESS_POSTINGS": "false", "PAYBRIDGE_DB_GENERIC_PLANS": "0"})
    assert not off.express_postings and not off.db_generic_plans
    with pytest.raises(ConfigurationError, match="PAYBRIDGE_EXPRESS_POSTINGS"):
        Settings.from_env({"PAYBRIDGE_EXPRESS_POSTINGS": "sometimes"})


def test_unused_quotes_are_kept_a_week_after_they_expired_unless_configured() -> None:
    assert Settings.from_env({}).exchange_quote_retention_seconds == 604_800
    for value in ("0", "86400"):
        env = {"PAYBRIDGE_EXCHANGE_QUOTE_RETENTION_SECONDS": value}
        assert Settings.from_env(env).exchange_quote_retention_seconds == int(value)


def test_production_requires_database_url() -> None:
    with pytest.raises(ConfigurationError, match="DATABASE_URL"):
        Settings.from_env({"PAYBRIDGE_ENV": "production", "PAYBRIDGE_JWT_SECRET": STRONG_SECRET})


@pytest.mark.parametrize(
    "secret", [None, DEFAULT_JWT_SECRET, "too-short", "x" * (MIN_PRODUCTION_SECRET_LENGTH - 1)]
)
def test_production_refuses_default_or_short_jwt_secret(secret: str | None) -> None:
    env = {"PAYBRIDGE_ENV": "production", "DATABASE_URL": PRODUCTION_DB}
    if secret is not None:
        env["PAYBRIDGE_JWT_SECRET"] = secret
    with pytest.raises(ConfigurationError, match="PAYBRIDGE_JWT_SECRET"):
        Settings.from_env(env)


def test_production_with_database_url_and_strong_secret_is_accepted() -> None:
    settings = Settings.from_env(
        {"PAYBRIDGE_ENV": "production", "DATABASE_URL": PRODUCTION_DB, "PAYBRIDGE_JWT_SECRET": STRONG_SECRET}
    )
    assert settings.is_production
    assert settings.database_url == PRODUCTION_DB


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PAYBRIDGE_DB_POOL_MAX_SIZE", "many"),
        ("PAYBRIDGE_JWT_TTL_SECONDS", "1.5"),
        ("PAYBRIDGE_DB_POOL_MIN_SIZE", "-1"),
        ("PAYBRIDGE_MAX_BODY_BYTES", "12"),
        ("PAYBRIDGE_DB_POOL_TIMEOUT_SECONDS", "soon"),
        ("PAYBRIDGE_ENV", "staging"),
        ("PAYBRIDGE_EXCHANGE_QUOTE_RETENTION_SECONDS", "-1"),
    ],
)
def test_bad_values_are_refused(name: str, value: str) -> None:
    with pytest.raises(ConfigurationError, match=name):
        Settings.from_env({name: value})


def test_pool_min_above_max_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="MIN_SIZE"):
        Settings.from_env({"PAYBRIDGE_DB_POOL_MIN_SIZE": "9", "PAYBRIDGE_DB_POOL_MAX_SIZE": "2"})


def test_cli_refuses_production_without_database_url(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL" and not k.startswith("PAYBRIDGE_")}
    env |= {"PAYBRIDGE_ENV": "production", "PAYBRIDGE_DATA_DIR": str(tmp_path / "data")}
    script = shutil.which("paybridge", path=str(Path(sys.executable).parent))
    command = [script] if script else [sys.executable, "-m", "paybridge.entrypoints.cli.main"]
    result = subprocess.run(
        [*command, "migrate", "version"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("paybridge: refusing to start in production")
    assert "DATABASE_URL is required" in result.stderr
    assert not (tmp_path / "data").exists(), "no embedded database may be started in production"
