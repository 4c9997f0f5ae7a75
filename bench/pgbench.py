"""Running pgbench for a measurement window: one pgbench process per case, its warm-up inside the same run.

pgbench runs for warm-up + window (+ a moment) with a per-transaction log (-l); throughput and latency come from
the transactions that *ended* inside the window (same wall clock as the CPU meter), so connection set-up
and the first, unprepared transactions are left out. Errors: failed transactions in the log plus clients
pgbench aborted.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.sampling import Meter, Window


@dataclass
class PgbenchResult:
    transactions: int  # in the window
    total: int  # in the whole run (warm-up included)
    seconds: float
    latencies_ms: list[float]
    errors: int
    window: Window
    output: str

    @property
    def rps(self) -> float:
        return self.transactions / self.seconds if self.seconds else 0.0


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))
    return ordered[index]


def _read_logs(directory: Path, start: float, end: float) -> tuple[list[float], int, int]:
    """(latencies in ms of the transactions that ended in [start, end), failed in the window, total)."""
    latencies: list[float] = []
    failed = total = 0
    for log in directory.glob("log*"):
        for line in log.read_text().splitlines():
            fields = line.split()
            if len(fields) < 6:
                continue
            total += 1
            ended = int(fields[4]) + int(fields[5]) / 1e6
            if not start <= ended < end:
                continue
            if fields[2].isdigit():
                latencies.append(int(fields[2]) / 1000)
            else:  # "failed", "serialization", "deadlock" (PostgreSQL 15 logs failures this way)
                failed += 1
    return latencies, failed, total


def run_pgbench(
    binary: str,
    url: str,
    script: Path,
    clients: int,
    seconds: float,
    warmup: float,
    meter: Meter,
    defines: dict[str, str],
    mode: str = "prepared",
    threads: int = 2,
    session_options: str | None = None,
) -> PgbenchResult:
    """`session_options`: libpq options for pgbench's sessions (PGOPTIONS), e.g. the app's own settings."""
    directory = Path(tempfile.mkdtemp(prefix="pb-pgbench-"))
    command = [
        binary,
        "-n",
        "-M",
        mode,
        "-c",
        str(clients),
        "-j",
        str(max(1, min(threads, clients))),
        "-T",
        str(math.ceil(warmup + seconds + 0.3)),
        "-l",
        "--log-prefix",
        str(directory / "log"),
        "-f",
        str(script),
    ]
    for name, value in defines.items():
        command += ["-D", f"{name}={value}"]
    command.append(url)
    try:
        env = dict(os.environ, **({"PGOPTIONS": session_options} if session_options else {}))
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        meter.groups["pgbench"] = lambda: [process.pid]
        time.sleep(warmup)
        start = time.time()
        meter.start()
        time.sleep(seconds)
        window = meter.stop()
        end = time.time()
        out, err = process.communicate(timeout=warmup + seconds + 120)
        latencies, failed, total = _read_logs(directory, start, end)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    aborted = len(re.findall(r"client \d+ aborted", err))
    if process.returncode not in (0, 2) or (total == 0 and aborted == 0):
        raise RuntimeError(f"pgbench failed ({process.returncode}): {out[-2000:]}\n{err[-3000:]}")
    return PgbenchResult(len(latencies), total, end - start, latencies, failed + aborted, window, out + err)
