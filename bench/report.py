"""Turning per-round results into the medians, ratios and Markdown tables of docs/performance.md."""

from __future__ import annotations

import statistics
from collections import defaultdict
from typing import Any

Result = dict[str, Any]


def _span(values: list[float], digits: int = 0) -> str:
    if not values:
        return "-"
    fmt = f"{{:.{digits}f}}"
    median = fmt.format(statistics.median(values))
    return median if len(values) == 1 else f"{median} ({fmt.format(min(values))}..{fmt.format(max(values))})"


def by_key(results: list[Result]) -> dict[str, list[Result]]:
    grouped: dict[str, list[Result]] = defaultdict(list)
    for result in results:
        if "error" not in result:
            grouped[result["key"]].append(result)
    return grouped


def _median(runs: list[Result], field: str) -> float:
    values = [run[field] for run in runs if run.get(field) is not None]
    return statistics.median(values) if values else 0.0


def _cores(runs: list[Result], name: str) -> float:
    values = [run["cores"].get(name, 0.0) for run in runs]
    return statistics.median(values) if values else 0.0


def summary_row(label: str, connections: int, runs: list[Result]) -> str:
    rps = _median(runs, "rps") or 1.0
    server, db, load = _cores(runs, "server"), _cores(runs, "db"), _cores(runs, "load")
    per_request = (
        f"{server / rps * 1000:.2f} + {db / rps * 1000:.2f}" if server else f"- + {db / rps * 1000:.2f}"
    )
    cells = [
        label,
        str(connections),
        _span([run["rps"] for run in runs]),
        f"{_median(runs, 'p50_ms'):.1f}",
        f"{_median(runs, 'p95_ms'):.1f}",
        f"{_median(runs, 'p99_ms'):.1f}",
        str(sum(run["errors"] for run in runs)),
        f"{server:.2f}" if server else "-",
        f"{db:.2f}",
        f"{load:.2f}",
        f"{_cores(runs, 'machine'):.2f}",
        per_request,
        f"{_median(runs, 'rss_mb'):.0f}" if _median(runs, "rss_mb") else "-",
        _busiest(runs),
    ]
    return "| " + " | ".join(cells) + " |"


def _busiest(runs: list[Result]) -> str:
    """The busiest worker's share of the server's CPU (0.50 = even; 1.00 = one worker did everything)."""
    shares = [run["worker_split"][0] for run in runs if len(run.get("worker_split", [])) > 1]
    return _span(shares, 2) if shares else "-"


HEADER = (
    "| case | c | req/s median (min..max) | p50 ms | p95 ms | p99 ms | errors | server cores | DB cores"
    " | load-gen cores | machine cores | CPU ms/req server + DB | server RSS MB | busiest worker |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
)


def round_ratios(grouped: dict[str, list[Result]], top: str, bottom: str) -> list[float]:
    """top/bottom req/s of the same round, for every round both ran in."""
    lower = {run["round"]: run["rps"] for run in grouped.get(bottom, [])}
    return [run["rps"] / lower[run["round"]] for run in grouped.get(top, []) if lower.get(run["round"])]


def tables(cases: list[Any], results: list[Result], meta: dict[str, Any]) -> str:
    grouped = by_key(results)
    out: list[str] = []
    titles = {
        "transfer": "Transfers: the API against its ceilings",
        "other": "Reads, observability off, another server, relay on",
        "scale": "Scale: list latency by history size",
        "variant": "Variants (--variant): the API transfer with other settings, same rounds",
    }
    for group, title in titles.items():
        rows = [
            summary_row(c.label, c.connections, grouped[c.key])
            for c in cases
            if c.group == group and grouped.get(c.key)
        ]
        if rows:
            out += [f"### {title}", "", HEADER, *rows, ""]
    ratio_rows = []
    for case in cases:
        if case.key.endswith("/api") and case.group == "transfer":
            base = case.key.removesuffix("/api")
            a = round_ratios(grouped, case.key, f"{base}/ceiling-a")
            b = round_ratios(grouped, case.key, f"{base}/ceiling-b")
            ratio_rows.append(
                f"| {case.options['wallets']} | {case.connections} | {_span(a, 3)} | {_span(b, 3)} |"
            )
    if ratio_rows:
        out += [
            "### API ÷ ceilings (per-round ratios, median (min..max))",
            "",
            "| wallets | c | API ÷ ceiling A | API ÷ ceiling B |",
            "|---|---:|---:|---:|",
            *ratio_rows,
            "",
        ]
    out += _derived(cases, grouped)
    out += _relay(cases, grouped)
    failures = [r for r in results if "error" in r]
    if failures:
        out += [
            "### Failed runs",
            "",
            *[f"- {r['key']} round {r['round']}: {r['error']}" for r in failures],
            "",
        ]
    return "\n".join(out)


def _derived(cases: list[Any], grouped: dict[str, list[Result]]) -> list[str]:
    lines = []
    for case in cases:
        kind, other, label = case.options.get("derive", (None, None, None))
        if kind and grouped.get(case.key) and grouped.get(other):
            if kind == "cost":  # this case is the lighter one: cost = 1 - other/this
                costs = [1 - ratio for ratio in round_ratios(grouped, other, case.key)]
                lines.append(f"- {label}: {_span([100 * c for c in costs], 1)} %")
            else:
                lines.append(f"- {label}: {_span(round_ratios(grouped, case.key, other), 3)}")
    return ["### Derived", "", *lines, ""] if lines else []


def _relay(cases: list[Any], grouped: dict[str, list[Result]]) -> list[str]:
    rows = []
    for case in cases:
        runs = grouped.get(case.key, [])
        if case.options.get("relay") and runs:
            rows.append(
                f"| {case.connections} | {_span([r['rps'] for r in runs])} | {_span([r['events_per_s'] for r in runs])}"
                f" | {_median(runs, 'ack_p50_ms'):.0f} | {_median(runs, 'ack_p99_ms'):.0f}"
                f" | {max(r['backlog_at_end'] for r in runs)} | {max((r['drain_s'] or -1) for r in runs):.1f}"
                f" | {_cores(runs, 'relay'):.2f} |"
            )
    if not rows:
        return []
    return [
        "### Outbox relay while transfers run",
        "",
        "| c | transfers/s | events published/s | commit→ack p50 ms | p99 ms | max backlog at window end | max drain s | relay cores |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
        *rows,
        "",
    ]
