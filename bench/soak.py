"""`make soak`: transfers for 10 minutes at ~70 % of the maximum throughput — does memory grow, does the tail
drift? Not part of `make bench` (which already takes ~35 min).

    .venv/bin/python -m bench.soak [--minutes 10] [--fraction 0.7] [--connections 16] [--window 60]

Same set-up as `make bench` (fresh database, 10,000 funded wallets, `paybridge serve --workers 2`, everything
on). A probe (warm-up, then a closed-loop wrk run) measures the maximum; after two unrecorded 10 s calibration
runs, wrk runs back-to-back windows with a pause before every request on each connection
(bench/transfer_paced.lua), re-tuned after each window so the rate stays at the target. Per window: req/s,
p50/p99, errors, the server's RSS and CPU.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.postgres import find_server, fresh_database
from bench.run import REPO, prepare, stop_on_sigterm
from bench.runner import run_wrk, serve, server_env
from bench.sampling import Meter, rss_bytes


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--window", type=float, default=60.0, help="seconds per measured window")
    parser.add_argument("--fraction", type=float, default=0.7, help="of the probed maximum")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--probe-seconds", type=float, default=20.0)
    parser.add_argument("--wallets", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--output", default=None)
    return parser.parse_args(argv)


def retune(pause: float, connections: int, target: float, measured: float) -> float:
    """Each connection should send one request per connections/target seconds: move the pause by the gap."""
    return max(pause + connections * 1000 * (1 / target - 1 / max(measured, 1e-9)), 0.0)


def soak(url: str, wallet_file: Path, args: argparse.Namespace) -> dict[str, Any]:
    with serve(server_env(DATABASE_URL=url), args.workers) as server:
        paced = lambda pause: [str(wallet_file), "0", f"s{uuid.uuid4().hex[:10]}", f"{pause:.3f}"]  # noqa: E731
        run_wrk(server.url, "transfer.lua", paced(0)[:3], args.connections, 10)  # warm-up
        probe = run_wrk(server.url, "transfer.lua", paced(0)[:3], args.connections, args.probe_seconds)
        target = probe["rps"] * args.fraction
        # each connection: one request per (latency + pause) = connections / target seconds
        pause = max(args.connections / target * 1000 - probe["p50_ms"], 0.0)
        for _ in range(2):  # calibration, not recorded: settle the pace before the first measured window
            calibration = run_wrk(server.url, "transfer_paced.lua", paced(pause), args.connections, 10)
            pause = retune(pause, args.connections, target, calibration["rps"])
        windows: list[dict[str, Any]] = []
        for index in range(max(1, round(args.minutes * 60 / args.window))):
            meter = Meter({"server": server.pids})
            meter.start()
            summary = run_wrk(server.url, "transfer_paced.lua", paced(pause), args.connections, args.window)
            cpu = meter.stop()
            window = {"minute": round((index + 1) * args.window / 60, 2), "pause_ms": round(pause, 2),
                      "rps": summary["rps"], "p50_ms": summary["p50_ms"], "p99_ms": summary["p99_ms"],
                      "errors": summary["errors_status"] + summary["errors_socket"],
                      "rss_mb": round(rss_bytes(server.pids()) / 2**20, 1),
                      "server_cores": round(cpu.cores["server"], 3), "machine_cores": round(cpu.machine_cores, 3)}  # fmt: skip
            windows.append(window)
            print(json.dumps(window), flush=True)
            pause = retune(pause, args.connections, target, summary["rps"])
    first, last = windows[0], windows[-1]
    return {"probe_rps": probe["rps"], "probe_p99_ms": probe["p99_ms"], "target_rps": target, "windows": windows,
            "rss_growth": last["rss_mb"] / first["rss_mb"] - 1, "p99_drift": last["p99_ms"] / first["p99_ms"] - 1,
            "median_rps": statistics.median(w["rps"] for w in windows)}  # fmt: skip


def markdown(result: dict[str, Any], args: argparse.Namespace, load: tuple[float, ...]) -> str:
    lines = [f"Soak: {args.minutes:g} min at {args.fraction:.0%} of the probed maximum ({result['probe_rps']:.0f} req/s,"
             f" p99 {result['probe_p99_ms']:.1f} ms, c={args.connections}) = target {result['target_rps']:.0f} req/s;"
             f" load average after: {' / '.join(f'{v:.2f}' for v in load)}.", "",
             "| minute | req/s | p50 ms | p99 ms | errors | server RSS MB | server cores | machine cores |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for w in result["windows"]:
        lines.append(f"| {w['minute']:g} | {w['rps']:.0f} | {w['p50_ms']:.1f} | {w['p99_ms']:.1f} | {w['errors']}"
                     f" | {w['rss_mb']:.0f} | {w['server_cores']:.2f} | {w['machine_cores']:.2f} |")  # fmt: skip
    lines += ["", f"RSS growth first -> last window: {result['rss_growth']:+.1%}; p99 drift: {result['p99_drift']:+.1%};"
              f" median rate {result['median_rps']:.0f} req/s."]  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop_on_sigterm()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    output = Path(args.output or REPO / ".paybridge" / "bench" / f"soak-{stamp}")
    output.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        pg = stack.enter_context(find_server(dict(os.environ)))
        url = stack.enter_context(fresh_database(pg))
        args.hot = 10
        _, wallet_file = prepare(url, args)
        stack.callback(wallet_file.unlink, missing_ok=True)
        result = soak(url, wallet_file, args)
    text = markdown(result, args, os.getloadavg())
    (output / "soak.json").write_text(json.dumps({"args": vars(args), **result}, indent=1))
    (output / "soak.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
