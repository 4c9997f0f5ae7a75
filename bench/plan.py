"""What `make bench` measures: the command line and the list of cases it turns into."""

from __future__ import annotations

import argparse
import importlib.util

from bench.cases import Case, run_ceiling, run_get, run_relay, run_transfer


def _ints(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


RESERVED = {"hypercorn", "quiet", "uvicorn", "api", "relay"}


def _variant(text: str) -> tuple[str, dict[str, str]]:
    name, _, settings = text.partition(":")
    pairs = [pair.split("=", 1) for pair in settings.split(",") if pair.strip()]
    if (
        name in RESERVED
        or not name.isidentifier()
        or not pairs
        or any(len(p) != 2 or not p[0].startswith("PAYBRIDGE_") for p in pairs)
    ):
        raise argparse.ArgumentTypeError(f"expected NAME:PAYBRIDGE_KEY=VALUE[,...], got {text!r}")
    return name, {key: value for key, value in pairs}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument(
        "--seconds", type=float, default=20.0, help="measured seconds per case (after warm-up)"
    )
    parser.add_argument("--warmup", type=float, default=3.0, help="warm-up seconds before each case")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=_ints, default=[8, 16, 64], help="transfer concurrencies")
    parser.add_argument("--extra-connections", type=int, default=16, help="concurrency of the other cases")
    parser.add_argument("--wallets", type=int, default=10_000, help="funded wallets (low contention)")
    parser.add_argument("--hot", type=int, default=10, help="hot wallets (the first N of them)")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--scale-rows", type=_ints, default=[10_000, 1_000_000], help="history sizes")
    parser.add_argument("--scale-connections", type=int, default=4)
    parser.add_argument("--no-relay", action="store_true", help="leave out the relay case")
    parser.add_argument("--no-uvicorn", action="store_true", help="leave out the uvicorn reference cases")
    parser.add_argument("--only", default=None, help="run only the cases whose key contains this text")
    parser.add_argument(
        "--variant",
        type=_variant,
        action="append",
        default=[],
        metavar="NAME:KEY=VALUE[,KEY=VALUE]",
        help="also run every API transfer case against a server with these PAYBRIDGE_* settings, in the same"
        " rounds (an A/B of a setting: e.g. pool4:PAYBRIDGE_DB_POOL_MAX_SIZE=4)",
    )
    parser.add_argument("--output", default=None, help="directory for results.json / results.md")
    parser.add_argument("--keep-database", action="store_true")
    parser.add_argument(
        "--smoke", action="store_true", help="the harness check of `make test`: tiny and fast"
    )
    parser.add_argument("--render", default=None, help="only rewrite results.md from this results.json")
    args = parser.parse_args(argv)
    if args.smoke:
        args.seconds, args.warmup, args.rounds, args.connections = 1.0, 0.0, 1, [4]
        args.extra_connections, args.wallets, args.scale_rows, args.scale_connections = 4, 40, [100, 1000], 2
    if args.hot < 2 or args.wallets < args.hot:
        parser.error("need --wallets >= --hot >= 2")
    if not args.no_uvicorn and importlib.util.find_spec("uvicorn") is None:
        parser.error(
            "uvicorn is not installed: `make bench` installs it (pip install -e '.[bench]'), or pass --no-uvicorn"
        )
    return args


def _transfers(args: argparse.Namespace) -> list[Case]:
    cases = []
    for c in args.connections:
        for hot in (False, True):
            spread = "hot" if hot else "spread"
            wallets = f"{args.hot} hot" if hot else f"{args.wallets:,}"
            base, common = f"transfer/{spread}/c{c}", {"hot": hot, "wallets": wallets}
            cases += [
                Case(
                    f"{base}/api",
                    "transfer",
                    f"API transfer, {wallets} wallets",
                    c,
                    run_transfer,
                    {**common, "server": "hypercorn"},
                ),
                Case(
                    f"{base}/ceiling-a",
                    "transfer",
                    f"ceiling A (same SQL), {wallets}",
                    c,
                    run_ceiling,
                    {**common, "script": "a"},
                ),
                Case(
                    f"{base}/ceiling-b",
                    "transfer",
                    f"ceiling B (naive 7 statements), {wallets}",
                    c,
                    run_ceiling,
                    {**common, "script": "b"},
                ),
            ]
            cases += [
                Case(
                    f"{base}/{name}",
                    "variant",
                    f"API transfer, {wallets} wallets, {name}: {_settings(settings)}",
                    c,
                    run_transfer,
                    {
                        **common,
                        "server": name,
                        "derive": ("ratio", f"{base}/api", f"{base}: {name} ÷ defaults"),
                    },
                )
                for name, settings in args.variant
            ]
    return cases


def _settings(settings: dict[str, str]) -> str:
    return ", ".join(f"{key}={value}" for key, value in settings.items())


def _others(args: argparse.Namespace) -> list[Case]:
    c, on = args.extra_connections, f"transfer/spread/c{args.extra_connections}/api"
    wallet = {
        "path": lambda b: f"/api/v1/wallets/{b.wallets[0].wallet_id}",
        "token": lambda b: b.wallets[0].token,
    }
    cases = [
        Case(
            f"transfer/spread/c{c}/quiet",
            "other",
            "API transfer, metrics + logs off",
            c,
            run_transfer,
            {
                "server": "quiet",
                "derive": ("cost", on, "observability cost: 1 - (everything on ÷ metrics + logs off)"),
            },
        ),
        Case(
            f"get/wallet/c{c}",
            "other",
            "GET /api/v1/wallets/{id}",
            c,
            run_get,
            {"server": "hypercorn", "script": "get.lua", **wallet},
        ),
        Case(
            f"get/live/c{c}",
            "other",
            "GET /live",
            c,
            run_get,
            {"server": "hypercorn", "script": "get.lua", "path": lambda b: "/live"},
        ),
    ]
    if not args.no_uvicorn:
        cases += [
            Case(
                f"transfer/spread/c{c}/uvicorn",
                "other",
                "API transfer under uvicorn",
                c,
                run_transfer,
                {"server": "uvicorn", "derive": ("ratio", on, "transfers: uvicorn ÷ hypercorn")},
            ),
            Case(
                f"get/live/c{c}/uvicorn",
                "other",
                "GET /live under uvicorn",
                c,
                run_get,
                {
                    "server": "uvicorn",
                    "script": "get.lua",
                    "path": lambda b: "/live",
                    "derive": ("ratio", f"get/live/c{c}", "GET /live: uvicorn ÷ hypercorn"),
                },
            ),
        ]
    if not args.no_relay:
        cases.append(
            Case(
                f"transfer/spread/c{c}/relay",
                "other",
                "API transfer, relay publishing",
                c,
                run_relay,
                {
                    "server": "hypercorn",
                    "relay": True,
                    "derive": ("ratio", on, "transfers: relay publishing ÷ relay off"),
                },
            )
        )
    return cases


def _scale(args: argparse.Namespace) -> list[Case]:
    cases = []
    for endpoint in ("transactions", "entries"):
        for rows in args.scale_rows:
            label = (
                "GET /api/v1/transactions"
                if endpoint == "transactions"
                else "GET /api/v1/wallets/{id}/entries"
            )
            options = {
                "server": "hypercorn",
                "script": "get.lua",
                "rows": rows,
                "path": lambda b, r=rows, e=endpoint: b.histories[r].paths()[e],
                "token": lambda b, r=rows: b.histories[r].owner.token,
            }
            cases.append(
                Case(
                    f"scale/{endpoint}/{rows}",
                    "scale",
                    f"{label}, {rows:,} rows",
                    args.scale_connections,
                    run_get,
                    options,
                )
            )
    return cases


def _beside_reference(cases: list[Case]) -> list[Case]:
    """A case compared with another (`derive`) runs right after it in each round: the pair meets the same
    database state (dead row versions, WAL, cache) instead of whatever the cases between them left."""
    keys = {case.key for case in cases}
    followers: dict[str, list[Case]] = {}
    for case in cases:
        reference = case.options.get("derive", (None, None, None))[1]
        if reference in keys:
            followers.setdefault(reference, []).append(case)
    moved = {id(case) for group in followers.values() for case in group}
    ordered: list[Case] = []
    for case in cases:
        if id(case) not in moved:
            ordered += [case, *followers.get(case.key, [])]
    return ordered


def build_cases(args: argparse.Namespace) -> list[Case]:
    cases = _beside_reference(_transfers(args) + _others(args) + _scale(args))
    return [case for case in cases if args.only is None or args.only in case.key]
