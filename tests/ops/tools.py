"""External tools the operations tests need, found on PATH — or a failed test that says exactly what to
install. Nothing is ever skipped: on a laptop without them, `make test` names the missing tool and the
package that brings it, and `make ops-tools` installs them (as root, with apt-get) or prints the command.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest

from tests.support.private_postgres import pgserver_bin

REPO_ROOT = Path(__file__).resolve().parents[2]
OPS = REPO_ROOT / "ops"

_PROMETHEUS = (
    "Debian's `prometheus` package (it brings both `prometheus` and `promtool`): "
    "`sudo apt-get install --no-install-recommends prometheus`, or `make ops-tools`"
)
INSTALL_HINTS = {
    "promtool": _PROMETHEUS,
    "prometheus": _PROMETHEUS,
    "kubectl": (
        "kubectl (its built-in kustomize renders ops/k8s): Debian's `kubernetes-client` package "
        "(`sudo apt-get install kubernetes-client`), or any kubectl >= 1.20, or `make ops-tools`"
    ),
}


def require(tool: str) -> str:
    """The path of `tool`, or fail the test with the package that provides it."""
    found = shutil.which(tool)
    if found is None:
        hint = INSTALL_HINTS.get(tool, "install it")
        pytest.fail(f"`{tool}` is not installed (needed by the ops tests): {hint}", pytrace=False)
    return found


def _major(binary: Path) -> int:
    output = subprocess.run([str(binary), "--version"], capture_output=True, text=True, check=True).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", output)
    assert match is not None, output
    return int(match.group(1))


def postgres_client_dir(server_url: str) -> Path:
    """A directory with pg_dump, pg_restore and psql able to dump `server_url`'s server: a client of the
    same major version if there is one (the machine's PATH or the pgserver wheel's), else a newer one."""
    with psycopg.connect(server_url, autocommit=True) as connection:
        server_major = connection.info.server_version // 10_000
    candidates = [Path(found).parent for found in [shutil.which("pg_dump")] if found]
    bundled = pgserver_bin()
    if (bundled / "pg_dump").exists():
        candidates.append(bundled)
    usable = [(major, path) for path in candidates if (major := _major(path / "pg_dump")) >= server_major]
    usable = [item for item in usable if all((item[1] / tool).exists() for tool in ("pg_restore", "psql"))]
    if not usable:
        pytest.fail(
            f"no pg_dump/pg_restore/psql >= {server_major} found (PATH, pgserver): install Debian's "
            f"`postgresql-client-{server_major}`",
            pytrace=False,
        )
    return min(usable, key=lambda item: (item[0] != server_major, item[0]))[1]
