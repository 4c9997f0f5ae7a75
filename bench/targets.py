"""The targets of the performance issue, checked against one run's results (a table in results.md).

Ratios are per-round medians (see report.round_ratios). "Best concurrency" is the one where the API's
median throughput is highest. The hot-wallet target compares the API with ceiling B on the same 10 hot
wallets at every concurrency and reports the lowest (at c=64 ceiling B's own lock queue flatters the API);
the relay target asks for a backlog that drains and a commit -> ack p99 within 250 ms.
"""

from __future__ import annotations

import statistics
from typing import Any

from bench.report import Result, round_ratios

Grouped = dict[str, list[Result]]


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _rps(grouped: Grouped, key: str) -> float:
    return statistics.median(run["rps"] for run in grouped.get(key, [])) if grouped.get(key) else 0.0


def _row(target: str, measured: float | None, goal: float, fmt: str, higher: bool = True) -> str:
    if measured is None:
        return f"| {target} | not measured | - |"
    met = measured >= goal if higher else measured <= goal
    return f"| {target} | {fmt.format(measured)} | {'yes' if met else 'no'} |"


def _best(grouped: Grouped, kind: str, connections: list[int]) -> int:
    return max(connections, key=lambda c: _rps(grouped, f"transfer/{kind}/c{c}/api"))


def table(grouped: Grouped, args: dict[str, Any]) -> list[str]:
    connections, extra = list(args["connections"]), int(args["extra_connections"])
    spread = _best(grouped, "spread", connections)
    api = f"transfer/spread/c{spread}/api"
    hot_ratios = {
        c: ratio
        for c in connections
        if (ratio := _median(round_ratios(grouped, f"transfer/hot/c{c}/api", f"transfer/hot/c{c}/ceiling-b")))
        is not None
    }  # every concurrency: at c=64 ceiling B's own lock queue on 10 rows flatters the API
    worst_hot = min(hot_ratios, key=lambda c: hot_ratios[c], default=connections[0])
    quiet, on = f"transfer/spread/c{extra}/quiet", f"transfer/spread/c{extra}/api"
    c16 = grouped.get("transfer/spread/c16/api", [])
    relay = grouped.get(f"transfer/spread/c{extra}/relay", [])
    rows = [
        _row(f"API ÷ ceiling A at the best concurrency (c={spread})",
             _median(round_ratios(grouped, api, api.replace("/api", "/ceiling-a"))), 0.40, "{:.3f}"),
        _row(f"API ÷ ceiling B at the best concurrency (c={spread})",
             _median(round_ratios(grouped, api, api.replace("/api", "/ceiling-b"))), 0.60, "{:.3f}"),
        _row(f"10 hot wallets: API ÷ ceiling B (hot) at every concurrency (lowest: c={worst_hot})",
             hot_ratios.get(worst_hot), 0.50, "{:.3f}"),
        _row("p99 of API transfers at c=16 (all wallets), ms", _median([r["p99_ms"] for r in c16]), 50, "{:.1f}", higher=False),
        _row("observability cost (1 - on ÷ off), %",
             _median([100 * (1 - x) for x in round_ratios(grouped, on, quiet)]), 10, "{:.1f}", higher=False),
        _row("relay commit -> ack p99, ms", _median([r["ack_p99_ms"] for r in relay]), 250, "{:.0f}", higher=False),
        _row("relay keeps up: events published/s ÷ transfers/s in the window",
             _median([r["events_per_s"] / r["rps"] for r in relay if r["rps"]]), 0.95, "{:.3f}"),
    ]  # fmt: skip
    for endpoint in ("transactions", "entries"):
        sizes = sorted(int(key.rsplit("/", 1)[1]) for key in grouped if key.startswith(f"scale/{endpoint}/"))
        if len(sizes) >= 2:
            p50 = [statistics.median(r["p50_ms"] for r in grouped[f"scale/{endpoint}/{n}"]) for n in sizes]
            spread_of = max(p50) / min(p50) if min(p50) else float("inf")
            shown = " / ".join(f"{v:.1f}" for v in p50)
            sizes_text = " / ".join(f"{n:,}" for n in sizes)
            rows.append(f"| {endpoint} list flat: p50 ms at {sizes_text} rows (max ÷ min ≤ 1.5) | {shown}"
                        f" | {'yes' if spread_of <= 1.5 else 'no'} |")  # fmt: skip
    return [
        "### The issue's targets, this run",
        "",
        "| target | measured | met |",
        "|---|---:|---|",
        *rows,
        "",
    ]
