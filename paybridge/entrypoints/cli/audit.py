"""`paybridge audit`: check the ledger's invariants and print a JSON report.

    paybridge audit [--database-url URL] [--pushgateway URL] [--outbox-retention-seconds S] [--examples N]

Exit status: 0 when every check passed, 1 when any found a violation, 3 when the audit could not run (the
database is unreachable, or the Pushgateway refused the metrics); 2 for a configuration error. The report
(stdout) names each check, how many violations it found and up to `--examples` of them; diagnostics go to
stderr. The checks are described in `paybridge.application.use_cases.audit` and docs/operations.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys

from paybridge.application.ports.audit import AuditScope
from paybridge.audit_bootstrap import build_audit
from paybridge.config import Settings
from paybridge.operations import resolve_database_url
from paybridge.relay_config import RelaySettings

EXIT_VIOLATIONS = 1
EXIT_COULD_NOT_RUN = 3


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "audit", help="check the ledger's invariants (JSON report; exit 1 on any violation)"
    )
    parser.add_argument("--database-url", default=None, help="default: DATABASE_URL")
    parser.add_argument(
        "--pushgateway",
        default=None,
        metavar="URL",
        help="push the audit gauges to this Prometheus Pushgateway (e.g. http://pushgateway:9091)",
    )
    parser.add_argument(
        "--outbox-retention-seconds",
        type=float,
        default=None,
        help="transactions older than this may have no outbox event left "
        "(default: $PAYBRIDGE_RELAY_RETENTION_SECONDS, 7 days)",
    )
    parser.add_argument("--examples", type=int, default=20, help="violations listed per check (default 20)")
    parser.add_argument(
        "--timeout-seconds", type=float, default=600.0, help="statement timeout of the audit's queries"
    )
    parser.set_defaults(func=audit)


def audit(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(name)s: %(levelname)s: %(message)s"
    )
    settings = Settings.from_env()
    retention = args.outbox_retention_seconds
    if retention is None:
        retention = RelaySettings.from_env().retention_seconds
    url = resolve_database_url(settings, args.database_url)
    runtime = build_audit(url, args.timeout_seconds)
    scope = AuditScope(outbox_retention_seconds=retention, sample_limit=max(args.examples, 0))
    try:
        report = asyncio.run(runtime.audit(scope))
    except Exception as error:  # the audit did not run: say why in one line, never "passed"
        print(f"paybridge audit: could not run: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_COULD_NOT_RUN
    print(json.dumps({"database": runtime.database, **report.as_dict()}, indent=2))
    if args.pushgateway:
        try:
            runtime.push_metrics(args.pushgateway)
        except Exception as error:
            print(
                f"paybridge audit: pushing metrics failed: {type(error).__name__}: {error}", file=sys.stderr
            )
            return EXIT_COULD_NOT_RUN
    if not report.ok:
        failed = ", ".join(f"{name}={count}" for name, count in report.violations().items() if count)
        print(f"paybridge audit: VIOLATIONS: {failed}", file=sys.stderr)
        return EXIT_VIOLATIONS
    return 0
