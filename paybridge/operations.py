"""Operational wiring for command-line tools: which database to use and how to migrate it.

Like `paybridge.bootstrap`, this is a composition module: it may know adapters, so entrypoints (which must not
import `paybridge.adapters`) reach the migrator and the embedded database through here.
"""

from __future__ import annotations

from pathlib import Path

from paybridge.adapters.postgres.embedded import start_embedded_postgres
from paybridge.adapters.postgres.migrations import YoyoMigrator, create_migration_files
from paybridge.config import ConfigurationError, Settings

__all__ = [
    "YoyoMigrator",
    "create_migration",
    "migrator_from_settings",
    "resolve_database_url",
    "uses_embedded_database",
]


def uses_embedded_database(settings: Settings, database_url: str | None = None) -> bool:
    """True when neither an explicit URL nor DATABASE_URL names a server, so the embedded one is used."""
    return not (database_url or settings.database_url)


def resolve_database_url(settings: Settings, database_url: str | None = None) -> str:
    """The explicit URL, else DATABASE_URL, else the embedded development database (started on demand)."""
    url = database_url or settings.database_url
    if url:
        return url
    if settings.is_production:
        # Settings.validate() already refuses this; never fall back to an embedded database in production.
        raise ConfigurationError("DATABASE_URL is required in production")
    return start_embedded_postgres(settings.data_dir)


def migrator_from_settings(settings: Settings, database_url: str | None = None) -> YoyoMigrator:
    """A migrator for `settings.migrations_dir` against `resolve_database_url(settings, database_url)`."""
    return YoyoMigrator(resolve_database_url(settings, database_url), settings.migrations_dir)


def create_migration(settings: Settings, name: str) -> tuple[Path, Path]:
    """Write the next-numbered migration pair into `settings.migrations_dir` (no database needed)."""
    return create_migration_files(settings.migrations_dir, name)
