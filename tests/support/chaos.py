"""Processes a fault test kills and restarts, and a probe that measures how long readiness takes to return.

`ApiProcess` is a single-process `paybridge serve` (one worker, so SIGKILL takes the whole API down) on a port
that stays the same across restarts, the way a supervisor restarts a crashed service behind a fixed address.
`ReadinessProbe` polls a `/ready` URL every 100 ms while a test runs and answers "how long after moment T was
readiness 200 again".
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support.server import PAYBRIDGE, REPO_ROOT, free_port


class ApiProcess:
    def __init__(self, env: Mapping[str, str], port: int | None = None) -> None:
        self.env = dict(env)
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(tempfile.mkstemp(prefix="paybridge-chaos-api-", suffix=".log")[1])
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        """Launches the server (does not wait for it: see `wait_ready`)."""
        with self.log_path.open("ab") as sink:
            self.process = subprocess.Popen(
                [PAYBRIDGE, "serve", "--bind", f"127.0.0.1:{self.port}", "--workers", "1"],
                env=self.env,
                cwd=REPO_ROOT,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        self.starts += 1

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"paybridge serve is not running:\n{self.log()[-5000:]}")
            try:
                if httpx.get(f"{self.base_url}/ready", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise TimeoutError(f"paybridge serve was not ready within {timeout}s:\n{self.log()[-5000:]}")

    def kill(self, sig: int = signal.SIGKILL, timeout: float = 30.0) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=timeout)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_path.unlink(missing_ok=True)


@dataclass
class ReadinessProbe:
    """Samples GET <url>/ready (the URL may change, e.g. a restarted relay's health port) until stopped."""

    url: Callable[[], str]
    interval: float = 0.1
    samples: list[tuple[float, int]] = field(default_factory=list)  # (monotonic time, status; 0: no answer)
    _task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        async with httpx.AsyncClient(timeout=2.0) as http:
            while True:
                try:
                    status = (await http.get(f"{self.url()}/ready")).status_code
                except httpx.TransportError:
                    status = 0
                self.samples.append((time.monotonic(), status))
                await asyncio.sleep(self.interval)

    def ready_after(self, moment: float) -> float | None:
        """Seconds from `moment` to the first 200 sampled at or after it (None: not yet)."""
        return next((t - moment for t, status in self.samples if t >= moment and status == 200), None)

    def unready_seconds(self, start: float, end: float) -> float:
        """How long readiness was sampled as not 200 between `start` and `end`."""
        total, previous = 0.0, None
        for t, status in self.samples:
            if start <= t <= end and previous is not None and previous[1] != 200:
                total += t - max(previous[0], start)
            previous = (t, status)
        return total

    async def wait_ready_after(self, moment: float, within: float) -> float | None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            found = self.ready_after(moment)
            if found is not None:
                return found
            await asyncio.sleep(self.interval)
        return None
