"""Processes a benchmark drives: `paybridge serve` (or the same app under uvicorn) on a free port, wrk runs,
and the environment every bench server gets."""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import socket
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

from bench.sampling import process_tree
from bench.seed import BENCH_SECRET

REPO = Path(__file__).resolve().parents[1]
PAYBRIDGE = str(Path(sys.executable).with_name("paybridge"))
ASGI_APP = "paybridge.entrypoints.http.asgi:app"

BASE_ENV = {
    "PAYBRIDGE_JWT_SECRET": BENCH_SECRET,
    "PAYBRIDGE_ENV": "development",
    # wrk sends thousands of requests per second from one address: no rate limits (docs/security.md)
    "PAYBRIDGE_RATE_LIMIT_PER_IP": "off",
    "PAYBRIDGE_RATE_LIMIT_PER_USER": "off",
    "PAYBRIDGE_LOGIN_RATE_LIMIT_PER_IP": "off",
    "PAYBRIDGE_LOGIN_RATE_LIMIT_PER_ACCOUNT": "off",
}
OBSERVABILITY_OFF = {"PAYBRIDGE_METRICS_ENABLED": "false", "PAYBRIDGE_LOG_LEVEL": "WARNING"}


def server_env(**extra: str) -> dict[str, str]:
    """This process's environment without PAYBRIDGE_* / DATABASE_URL, plus the bench settings and `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYBRIDGE_") and k != "DATABASE_URL"}
    env.update(BASE_ENV)
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def pids(self) -> list[int]:
        return process_tree(self.process.pid)


def _command(kind: str, port: int, workers: int, extra: tuple[str, ...]) -> list[str]:
    if kind == "hypercorn":
        return [PAYBRIDGE, "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(workers), *extra]
    if kind == "uvicorn":
        return [
            sys.executable,
            "-m",
            "uvicorn",
            ASGI_APP,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--no-access-log",
            "--log-level",
            "warning",
            *extra,
        ]
    raise ValueError(f"unknown server {kind!r}")


@contextmanager
def serve(env: Mapping[str, str], workers: int = 2, *extra: str, kind: str = "hypercorn") -> Iterator[Server]:
    port = free_port()
    log = Path(tempfile.mkstemp(prefix=f"paybridge-bench-{kind}-", suffix=".log")[1])
    env = dict(env)
    metrics_dir = None
    if kind == "uvicorn":  # the same multiprocess metrics as `paybridge serve --workers N`
        metrics_dir = tempfile.mkdtemp(prefix="paybridge-bench-metrics-")
        env["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    with log.open("wb") as sink:
        process = subprocess.Popen(
            _command(kind, port, workers, extra), env=env, cwd=REPO, stdout=sink, stderr=subprocess.STDOUT
        )
    server = Server(f"http://127.0.0.1:{port}", process, log)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{kind} server exited: {log.read_text(errors='replace')[-3000:]}")
            try:
                if httpx.get(f"{server.url}/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"{kind} server did not become ready: {log.read_text(errors='replace')[-3000:]}"
                )
            time.sleep(0.1)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.unlink(missing_ok=True)
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit(
            "wrk is not installed: on Debian/Ubuntu run `apt-get install wrk` (make bench does it as root)"
        )
    return path


def run_wrk(
    url: str, script: str, args: list[str], connections: int, seconds: float, threads: int = 2
) -> dict[str, Any]:
    """Runs wrk and returns its BENCH_JSON summary plus requests/s and wrk's own CPU seconds."""
    threads = max(1, min(threads, connections))
    command = [
        require_wrk(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        "-s",
        str(REPO / "bench" / script),
        url,
        "--",
        *args,
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = process.communicate(timeout=seconds + 60)
    elapsed = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next((line for line in out.splitlines() if line.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed: {out}\n{err}")
    summary: dict[str, Any] = json.loads(line.removeprefix("BENCH_JSON "))
    summary["rps"] = summary["requests"] / summary["duration_s"] if summary["duration_s"] else 0.0
    summary["wall_s"] = elapsed
    summary["wrk_cpu_s"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return summary
