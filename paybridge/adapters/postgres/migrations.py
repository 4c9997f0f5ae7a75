"""Schema migrations: a thin, typed wrapper around yoyo-migrations' library API.

Migrations are SQL files in one directory, named `NNNN_snake_case.sql` with a `NNNN_snake_case.rollback.sql`
partner and a `-- depends: <previous id>` header. Every state-changing operation holds yoyo's migration lock,
so two processes migrating the same database at once cannot interleave.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import yoyo
from yoyo.migrations import MigrationList, topological_sort

YOYO_POSTGRES_SCHEME = "postgresql+psycopg"
_POSTGRES_SCHEMES = frozenset({"postgresql", "postgres", YOYO_POSTGRES_SCHEME})
_MIGRATION_FILE = re.compile(r"^(?P<number>\d+)_(?P<name>[a-z0-9_]+)\.sql$")
_SNAKE_CASE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
_NUMBER_WIDTH = 4
NO_VERSION = "none"

# Aliases keep `list` unambiguous inside YoyoMigrator, which has a `list()` method of its own.
MigrationIds = list[str]
MigrationStates = list[tuple[str, bool]]


def yoyo_database_url(database_url: str) -> str:
    """Return `database_url` with the scheme yoyo uses for psycopg 3 (`postgresql+psycopg://`).

    Works for TCP URLs and for socket URLs such as pgserver's `postgresql://postgres:@/db?host=/run/dir`.
    """
    parts = urlsplit(database_url)
    if parts.scheme.lower() not in _POSTGRES_SCHEMES:
        raise ValueError(f"not a PostgreSQL URL (expected postgresql://...): scheme {parts.scheme!r}")
    return urlunsplit(parts._replace(scheme=YOYO_POSTGRES_SCHEME))


def create_migration_files(migrations_dir: Path, name: str) -> tuple[Path, Path]:
    """Write the next-numbered empty migration `NNNN_name.sql` and its `NNNN_name.rollback.sql`."""
    if not _SNAKE_CASE.fullmatch(name):
        raise ValueError(f"migration name must be snake_case (e.g. add_wallet_limits), got {name!r}")
    existing = sorted(
        (int(match["number"]), path.stem)
        for path in migrations_dir.glob("*.sql")
        if (match := _MIGRATION_FILE.fullmatch(path.name)) and not path.name.endswith(".rollback.sql")
    )
    number = existing[-1][0] + 1 if existing else 1
    migration_id = f"{number:0{_NUMBER_WIDTH}d}_{name}"
    apply_path = migrations_dir / f"{migration_id}.sql"
    rollback_path = migrations_dir / f"{migration_id}.rollback.sql"
    header = f"-- depends: {existing[-1][1]}\n" if existing else ""
    with apply_path.open("x", encoding="utf-8") as apply_file:
        apply_file.write(f"{header}-- {migration_id}: describe the change here.\n")
    with rollback_path.open("x", encoding="utf-8") as rollback_file:
        rollback_file.write(f"-- Undo {migration_id}.\n")
    return apply_path, rollback_path


class YoyoMigrator:
    """Applies, rolls back and reports the migrations in `migrations_dir` against one database."""

    def __init__(self, database_url: str, migrations_dir: Path) -> None:
        self._url = yoyo_database_url(database_url)
        self._dir = migrations_dir
        if not migrations_dir.is_dir():
            raise ValueError(f"migrations directory does not exist: {migrations_dir}")

    @property
    def migrations_dir(self) -> Path:
        return self._dir

    # -- changing the schema -----------------------------------------------------------------------

    def up(self) -> MigrationIds:
        """Apply every pending migration, in dependency order. Returns the ids applied."""
        with self._backend() as backend, backend.lock():
            pending = backend.to_apply(self._migrations())
            backend.apply_migrations(pending)
            return self._checked(backend, [str(m.id) for m in pending], applied=True)

    def down(self, steps: int = 1) -> MigrationIds:
        """Roll back the `steps` most recent migrations (by migration order). Returns the ids rolled back."""
        if steps < 1:
            raise ValueError(f"steps must be >= 1, got {steps}")
        return self._roll_back(steps)

    def down_all(self) -> MigrationIds:
        """Roll back every applied migration. Returns the ids rolled back, latest first."""
        return self._roll_back(None)

    def force(self, version: str) -> None:
        """Record `version` as the current version without running any SQL.

        Every migration up to and including `version` is marked applied, every later one unapplied.
        `version` is a full id (`0003_transactions_ledger`), its number (`3`, `0003`) or `none` (nothing
        applied); an unknown version raises ValueError.
        """
        migrations = self._migrations()
        ids = [str(m.id) for m in migrations]
        cut = 0 if version.strip().lower() == NO_VERSION else ids.index(self._resolve(ids, version)) + 1
        with self._backend() as backend, backend.lock():
            applied = self._applied_hashes(backend)
            to_mark = [m for m in list(migrations)[:cut] if m.hash not in applied]
            to_unmark = [m for m in list(migrations)[cut:] if m.hash in applied]
            if to_mark:
                backend.mark_migrations(migrations.replace(to_mark))
            if to_unmark:
                backend.unmark_migrations(migrations.replace(to_unmark))

    def break_lock(self) -> None:
        """Remove a migration lock left behind by a process that died while migrating."""
        with self._backend() as backend:
            backend.break_lock()

    def create(self, name: str) -> tuple[Path, Path]:
        """Write the next-numbered migration pair; see `create_migration_files`."""
        return create_migration_files(self._dir, name)

    # -- reporting -----------------------------------------------------------------------------------

    def list(self) -> MigrationStates:
        """Every migration on disk, in migration order, with whether it is applied."""
        migrations = self._migrations()
        with self._backend() as backend:
            applied = self._applied_hashes(backend)
        return [(str(m.id), m.hash in applied) for m in migrations]

    def applied(self) -> MigrationIds:
        return [migration_id for migration_id, is_applied in self.list() if is_applied]

    def pending(self) -> MigrationIds:
        """Migrations on disk that the database has not applied yet (empty when the schema is current)."""
        return [migration_id for migration_id, is_applied in self.list() if not is_applied]

    def version(self) -> str | None:
        """The id of the latest applied migration by migration order, or None when none is applied."""
        applied = self.applied()
        return applied[-1] if applied else None

    # -- internals -----------------------------------------------------------------------------------

    def _roll_back(self, steps: int | None) -> MigrationIds:
        with self._backend() as backend, backend.lock():
            candidates = backend.to_rollback(self._migrations())
            chosen = candidates if steps is None else candidates[:steps]
            backend.rollback_migrations(chosen)
            return self._checked(backend, [str(m.id) for m in chosen], applied=False)

    def _migrations(self) -> Any:
        migrations = yoyo.read_migrations(str(self._dir))
        return MigrationList(topological_sort(migrations), migrations.post_apply)

    @contextmanager
    def _backend(self) -> Iterator[Any]:
        backend = yoyo.get_backend(self._url)
        try:
            yield backend
        finally:
            backend.connection.close()

    @staticmethod
    def _applied_hashes(backend: Any) -> set[str]:
        return {str(value) for value in backend.get_applied_migration_hashes()}

    def _checked(self, backend: Any, ids: MigrationIds, *, applied: bool) -> MigrationIds:
        # yoyo skips a migration it cannot load instead of failing; never report success for one.
        hashes = self._applied_hashes(backend)
        by_id = {str(m.id): str(m.hash) for m in self._migrations()}
        wrong = [i for i in ids if (by_id[i] in hashes) != applied]
        if wrong:
            action = "applied" if applied else "rolled back"
            raise RuntimeError(f"migrations could not be {action}: {', '.join(wrong)}")
        return ids

    @staticmethod
    def _resolve(ids: Sequence[str], version: str) -> str:
        wanted = version.strip()
        if wanted in ids:
            return wanted
        if wanted.isdigit():
            matches = [i for i in ids if _number(i) == int(wanted)]
            if len(matches) == 1:
                return matches[0]
        raise ValueError(f"unknown migration version {version!r}; known: {', '.join(ids) or 'none'}")


def _number(migration_id: str) -> int | None:
    prefix = migration_id.split("_", 1)[0]
    return int(prefix) if prefix.isdigit() else None
