"""Running `paybridge serve` as a real subprocess on a free loopback port, for tests that talk TCP."""

from __future__ import annotations

import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.containers import GENEROUS_RATE_ENV, TEST_JWT_SECRET

REPO_ROOT = Path(__file__).resolve().parents[2]
PAYBRIDGE = str(Path(sys.executable).with_name("paybridge"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(database_url: str | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYBRIDGE_") and k != "DATABASE_URL"}
    env.update(
        PAYBRIDGE_ENV="test",
        PAYBRIDGE_JWT_SECRET=TEST_JWT_SECRET,
        PAYBRIDGE_ARGON2_TIME_COST="1",
        PAYBRIDGE_ARGON2_MEMORY_COST_KIB="1024",
        PAYBRIDGE_ARGON2_PARALLELISM="1",
        PAYBRIDGE_SHUTDOWN_GRACE_SECONDS="5",
        **GENEROUS_RATE_ENV,
    )
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    env.update(extra)
    return env


@dataclass
class RunningServer:
    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    verify: ssl.SSLContext | bool = True  # how clients check its certificate (https servers)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout=timeout)


def wait_until_live(server: RunningServer, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"paybridge serve exited with {server.process.returncode}:\n{server.log()}")
        try:
            if httpx.get(f"{server.base_url}/live", timeout=1.0, verify=server.verify).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"paybridge serve did not answer /live within {timeout}s:\n{server.log()}")


@contextmanager
def run_server(
    env: Mapping[str, str],
    *args: str,
    cwd: Path = REPO_ROOT,
    scheme: str = "http",
    verify: ssl.SSLContext | bool = True,
) -> Iterator[RunningServer]:
    """`paybridge serve` on a free port; `scheme="https"` with `--certfile/--keyfile` in `args` and a
    `verify` context trusting their CA."""
    port = free_port()
    with tempfile.NamedTemporaryFile(prefix="paybridge-serve-", suffix=".log", delete=False) as log_file:
        log_path = Path(log_file.name)
    with log_path.open("wb") as sink:
        process = subprocess.Popen(
            [PAYBRIDGE, "serve", "--bind", f"127.0.0.1:{port}", *args],
            env=dict(env),
            cwd=cwd,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    server = RunningServer(f"{scheme}://127.0.0.1:{port}", process, log_path, verify)
    try:
        wait_until_live(server)
        yield server
    finally:
        if process.poll() is None:
            server.stop()
        log_path.unlink(missing_ok=True)


def run_paybridge(
    env: Mapping[str, str], *args: str, timeout: float = 60.0
) -> subprocess.CompletedProcess[str]:
    """`paybridge ARGS...` as an operator runs it, from the repository root; output captured as text."""
    return subprocess.run(
        [PAYBRIDGE, *args],
        env=dict(env),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def json_lines(text: str, stream: str = "log") -> list[dict[str, Any]]:
    """Every non-empty line of `text` as a JSON object; the test fails on the first line that is not one."""
    records = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            pytest.fail(f"{stream} line {number} is not JSON: {line!r}\n--- {stream}:\n{text}")
        assert isinstance(record, dict), line
        records.append(record)
    return records
