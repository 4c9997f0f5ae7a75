"""Redis for the rate-limit tests: the machine's server at 127.0.0.1:6379 when it answers (CI has one),
else a private `redis-server` started on a free port for the session (no persistence, deleted at the end).

Without either the tests fail — they never skip: install `redis-server` (`.ci/run` does it with apt-get).
Tests share the server, so each one namespaces its counters with `unique_prefix()`.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

from tests.support.server import free_port

MACHINE_REDIS_URL = "redis://127.0.0.1:6379/0"


class RedisUnavailableError(RuntimeError):
    """Neither the machine's Redis answers nor can a private redis-server be started."""


def answers(url: str, timeout: float = 0.5) -> bool:
    client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()


def unique_prefix() -> str:
    return f"paybridge-test:{uuid.uuid4().hex}:"


@contextmanager
def private_redis(password: str | None = None) -> Iterator[str]:
    """A redis-server of our own on a free loopback port (with `requirepass` when `password` is given)."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RedisUnavailableError(
            "no Redis answers at 127.0.0.1:6379 and redis-server is not installed: "
            "install it (apt-get install -y redis-server; .ci/run does this) — the tests never skip"
        )
    port = free_port()
    directory = Path(tempfile.mkdtemp(prefix="paybridge-redis-"))
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    args += ["--dir", str(directory)]
    if password is not None:
        args += ["--requirepass", password]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    auth = f":{password}@" if password is not None else ""
    url = f"redis://{auth}127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 15
        while not answers(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RedisUnavailableError(f"redis-server did not start on port {port}")
            time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def provision_redis() -> Iterator[str]:
    """The URL of the Redis the tests should use (see the module docstring)."""
    if answers(MACHINE_REDIS_URL):
        yield MACHINE_REDIS_URL
        return
    with private_redis() as url:
        yield url
