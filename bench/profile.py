"""`make profile`: where a transfer's CPU goes in the server — py-spy on one hypercorn worker under load.

    .venv/bin/python -m bench.profile [--seconds 30] [--connections 16] [--rate 200]

Same set-up as `make bench` (fresh database, funded wallets, `paybridge serve --workers 2`, everything on).
wrk drives transfers while `py-spy record -f raw --nonblocking` samples the busiest worker; the folded stacks
are then summed two ways: *self* time by the library of the innermost frame (psycopg, hypercorn, Starlette,
logging, ...) and *inclusive* time of the steps of a request (authentication, body, use case, SQL, response).
Shares are turned into microseconds per request with the server's measured CPU per request.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

from bench.postgres import find_server, fresh_database
from bench.run import prepare, stop_on_sigterm
from bench.runner import run_wrk, serve, server_env
from bench.sampling import Meter, proc_cpu

# Innermost frame's file (as py-spy prints it: relative to its sys.path entry) -> library; first match wins.
LIBRARIES = [
    ("psycopg + pool (driver)", ("psycopg/", "psycopg_pool/", "psycopg_binary/")),
    ("logging + JSON formatter", ("logging/", "pythonjsonlogger/", "paybridge/adapters/logging/")),
    ("prometheus_client (metrics)", ("prometheus_client/", "paybridge/adapters/prometheus/")),
    ("PyJWT + hmac (auth)", ("jwt/", "hmac.py", "paybridge/adapters/security/")),
    ("jsonschema (body validation)", ("jsonschema/", "referencing/", "jsonschema_specifications/")),
    ("json / orjson", ("json/", "orjson")),
    ("hypercorn + h11 (HTTP server)", ("hypercorn/", "h11/", "h2/", "priority/")),
    ("Starlette", ("starlette/",)),
    ("PayBridge HTTP layer", ("paybridge/entrypoints/",)),
    ("PayBridge application + domain", ("paybridge/application/", "paybridge/domain/")),
    ("PayBridge PostgreSQL adapters", ("paybridge/adapters/postgres/",)),
    ("PayBridge other adapters", ("paybridge/",)),
    ("tenacity", ("tenacity/",)),
    ("dependency_injector", ("dependency_injector",)),
    ("asyncio + uvloop (event loop)", ("asyncio/", "uvloop/")),
]
_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*?)(?::\d+)?\)$")


def _file(frame: str) -> str:
    match = _FRAME.match(frame)
    return match["file"] if match else frame


# Steps of a request, inclusive: a sample counts when any frame of its stack matches.
STEPS = [  # py-spy names methods Class.method: match the name after the last dot
    ("the whole request (ASGI app, from Starlette in)", r"^Starlette\.__call__ \(starlette/"),
    ("middleware before the route (metrics, context, CORS, limits)", r"Middleware\.__call__ \(paybridge/"),
    ("route handler: transfer()", r"(^|\.)transfer \(paybridge/entrypoints/http/routes/money\.py"),
    ("authenticate (JWT verify)", r"(^|\.)authenticate \(paybridge/entrypoints/http/auth\.py"),
    ("read + validate the JSON body", r"(^|\.)read_json \(paybridge/"),
    (
        "TransferMoney use case (incl. SQL)",
        r"(^|\.)_execute \(paybridge/application/use_cases/move_money\.py",
    ),
    (
        "statements (PostgresSession: send, wait, rows)",
        r"(^|\.)(_run|execute|fetchone_raw) \(paybridge/adapters/postgres/session\.py",
    ),
    ("pool getconn/putconn (check = an empty query)", r"(^|\.)(getconn|putconn) \(psycopg_pool/"),
    ("COMMIT", r"(^|\.)commit \(paybridge/adapters/postgres/uow\.py"),
    ("ROLLBACK-free exit (putconn)", r"(^|\.)__aexit__ \(paybridge/adapters/postgres/uow\.py"),
    ("posting parameters (ledger.posting_params)", r"(^|\.)posting_params \(paybridge/"),
    (
        "idempotency fingerprint + outcome snapshot",
        r"(^|\.)(fingerprint|_with_outcome) \(paybridge/application/idempotency\.py",
    ),
    ("tenacity retry wrapper", r"\(tenacity/"),
    ("metrics calls (prometheus_client)", r"\(prometheus_client/|\(paybridge/adapters/prometheus/"),
    ("logging (JSON formatter, scrubber)", r"\(pythonjsonlogger/|\(paybridge/adapters/logging/"),
    ("response: JSON body + send", r"(^|\.)(_created|render) \((paybridge/entrypoints|starlette)/"),
]


def fold(raw: str) -> Counter[tuple[str, ...]]:
    stacks: Counter[tuple[str, ...]] = Counter()
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks[tuple(stack.split(";"))] += int(count)
    return stacks


def summarise(
    stacks: Counter[tuple[str, ...]],
) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    total = sum(stacks.values()) or 1
    libraries: Counter[str] = Counter()
    steps: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    for stack, count in stacks.items():
        leaves[stack[-1]] += count
        library = next((name for frame in reversed(stack) for name, marks in LIBRARIES
                        if _file(frame).startswith(marks)), "other (stdlib)")  # fmt: skip
        libraries[library] += count
        for name, pattern in STEPS:
            if any(re.search(pattern, frame) for frame in stack):
                steps[name] += count
    return (
        {k: v / total for k, v in libraries.most_common()},
        {k: v / total for k, v in steps.most_common()},
        {k: v / total for k, v in leaves.most_common(15)},
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rate", type=int, default=200, help="py-spy samples per second")
    parser.add_argument("--wallets", type=int, default=10_000)
    parser.add_argument("--keep-raw", default=None, help="also save py-spy's folded stacks here")
    args = parser.parse_args(argv)
    stop_on_sigterm()
    args.hot, args.workers = 10, 2
    pyspy = str(Path(sys.executable).with_name("py-spy"))
    with contextlib.ExitStack() as stack:
        pg = stack.enter_context(find_server(dict(os.environ)))
        url = stack.enter_context(fresh_database(pg))
        _, wallet_file = prepare(url, args)
        stack.callback(wallet_file.unlink, missing_ok=True)
        server = stack.enter_context(serve(server_env(DATABASE_URL=url), args.workers))
        wrk_args = lambda: [str(wallet_file), "0", f"p{uuid.uuid4().hex[:10]}"]  # noqa: E731
        run_wrk(server.url, "transfer.lua", wrk_args(), args.connections, 5)  # warm-up
        meter = Meter({"server": server.pids})
        meter.start()
        out = Path(tempfile.mkstemp(prefix="pyspy-", suffix=".txt")[1])
        loaded = subprocess.Popen(["wrk", "-t2", f"-c{args.connections}", f"-d{int(args.seconds)}s", "-s",
                                   "bench/transfer.lua", server.url, "--", *wrk_args()], stdout=subprocess.PIPE, text=True)  # fmt: skip
        pids = server.pids()
        before = {pid: proc_cpu(pid) or 0.0 for pid in pids}
        time.sleep(2)
        busiest = max(pids, key=lambda pid: (proc_cpu(pid) or 0.0) - before[pid])
        subprocess.run([pyspy, "record", "-f", "raw", "--nonblocking", "-r", str(args.rate), "-d", str(int(args.seconds) - 4),
                        "-p", str(busiest), "-o", str(out)], check=True, capture_output=True)  # fmt: skip
        output, _ = loaded.communicate()
        window = meter.stop()
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    cpu_ms = window.cores["server"] * window.seconds / max(requests, 1) * 1000
    libraries, steps, leaves = summarise(fold(out.read_text()))
    if args.keep_raw:
        Path(args.keep_raw).write_text(out.read_text())
    out.unlink(missing_ok=True)
    print(f"{requests / window.seconds:.0f} transfers/s at c={args.connections}; server CPU {cpu_ms:.2f} ms per transfer"
          f" (both workers); py-spy on pid {busiest}\n")  # fmt: skip
    for title, table in (
        ("self time by library (innermost frame)", libraries),
        ("inclusive time by step", steps),
        ("hottest innermost frames (self)", leaves),
    ):
        print(f"| {title} | share | µs per transfer |\n|---|---:|---:|")
        for name, share in table.items():
            print(f"| {name} | {share:.1%} | {share * cpu_ms * 1000:.0f} |")
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
