"""Without the tools it needs, an ops test fails and names the package that provides the tool — it never
skips — and the installer used by .ci/run and `make ops-tools` is idempotent when everything is there."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest

from tests.ops.tools import OPS, postgres_client_dir, require


@pytest.mark.parametrize(("tool", "package"), [("promtool", "prometheus"), ("kubectl", "kubernetes-client")])
def test_a_missing_tool_fails_with_the_package_to_install(
    tool: str, package: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(pytest.fail.Exception) as failure:
        require(tool)
    assert f"`{tool}` is not installed" in str(failure.value) and package in str(failure.value)


def test_the_installer_has_nothing_to_do_when_the_tools_are_there() -> None:
    for tool in ("promtool", "prometheus", "kubectl"):
        require(tool)
    completed = subprocess.run(
        [shutil.which("bash") or "bash", str(OPS / "scripts" / "install-ops-tools.sh")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    assert "are installed" in completed.stdout


def test_the_postgres_client_can_dump_the_test_server(pg_server_url: str) -> None:
    client = postgres_client_dir(pg_server_url)
    version = subprocess.run(
        [str(client / "pg_dump"), "--version"], capture_output=True, text=True, check=True
    )
    found = re.search(r"(\d+)", version.stdout)
    assert found is not None
    with psycopg.connect(pg_server_url) as connection:
        assert int(found.group(1)) >= connection.info.server_version // 10_000
    assert (client / "pg_restore").exists() and (client / "psql").exists()
