"""A seconds-long smoke run of bench/relay_latency.py: it runs end to end and prints its figures (no timing
is asserted)."""

from __future__ import annotations

import subprocess
import sys

from tests.support.server import REPO_ROOT


def test_relay_latency_benchmark_smoke(pg_server_url: str, nats_url: str) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "bench/relay_latency.py",
            "--server-url",
            pg_server_url,
            "--nats-url",
            nats_url,
            "--seconds",
            "1",
            "--rate",
            "50",
            "--poll-interval",
            "0.2",
            "--wallets",
            "4",
            "--notify-cost-transfers",
            "40",
            "--cost-rounds",
            "2",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split(",")[0] for line in lines[:2]] == ["commit -> JetStream ack"] * 2
    assert "notifier on" in lines[0] and "n=50" in lines[0]
    assert "notifier off (poll only" in lines[1] and "n=50" in lines[1]
    assert all("p50=" in line and "p99=" in line for line in lines[:-1])
    rounds = [line for line in lines if line.startswith("transfer latency, notifier")]
    assert len(rounds) == 4 and sum("notifier on" in line for line in rounds) == 2
    assert "NOTIFYs=0" in next(line for line in rounds if "notifier off" in line)
    assert lines[-1].startswith("notifier cost over 2 rounds each:") and "transfers/s" in lines[-1]
