"""`paybridge outbox`: operators' view of events the relay has not published.

    paybridge outbox list [--dead] [--limit N] [--json]   pending events (default) or dead ones, oldest first
    paybridge outbox retry ID [ID ...]                     requeue these dead events (fresh attempt budget)
    paybridge outbox retry --all-dead                      requeue every dead event

`retry` exits 1 when one of the given ids is not a dead event (unknown, pending or already published).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any
from uuid import UUID

from paybridge.application.ports.relay import StoredEvent
from paybridge.config import Settings
from paybridge.operations import resolve_database_url
from paybridge.relay_bootstrap import build_outbox_operations


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("outbox", help="inspect and requeue unpublished outbox events")
    parser.add_argument("--database-url", default=None, help="default: DATABASE_URL")
    commands = parser.add_subparsers(dest="outbox_command", metavar="COMMAND", required=True)
    listing = commands.add_parser("list", help="list pending (or, with --dead, dead) events")
    listing.add_argument("--dead", action="store_true", help="events parked after too many failed attempts")
    listing.add_argument("--limit", type=int, default=100)
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    listing.set_defaults(func=list_events)
    retry = commands.add_parser("retry", help="requeue dead events")
    retry.add_argument("ids", nargs="*", type=UUID, metavar="ID")
    retry.add_argument("--all-dead", action="store_true", help="requeue every dead event")
    retry.set_defaults(func=retry_events)


def list_events(args: argparse.Namespace) -> int:
    return asyncio.run(_list(_url(args), args.dead, max(args.limit, 1), args.json))


def retry_events(args: argparse.Namespace) -> int:
    if bool(args.ids) == bool(args.all_dead):
        print("paybridge: give event ids or --all-dead (not both)", file=sys.stderr)
        return 2
    return asyncio.run(_retry(_url(args), None if args.all_dead else list(args.ids)))


def _url(args: argparse.Namespace) -> str:
    return resolve_database_url(Settings.from_env(), args.database_url)


async def _list(url: str, dead: bool, limit: int, as_json: bool) -> int:
    operations = build_outbox_operations(Settings.from_env(), url)
    await operations.start()
    try:
        events = await operations.list_unpublished(dead, limit)
    finally:
        await operations.close()
    for stored in events:
        print(json.dumps(_as_dict(stored)) if as_json else _as_line(stored))
    if not as_json:
        print(f"{len(events)} {'dead' if dead else 'pending'} event(s)", file=sys.stderr)
    return 0


async def _retry(url: str, ids: list[UUID] | None) -> int:
    operations = build_outbox_operations(Settings.from_env(), url)
    await operations.start()
    try:
        requeued = await operations.requeue_dead(ids)
    finally:
        await operations.close()
    for event_id in requeued:
        print(f"requeued {event_id}")
    missing = sorted(set(ids or []) - set(requeued))
    for event_id in missing:
        print(f"paybridge: {event_id} is not a dead event", file=sys.stderr)
    if ids is None:
        print(f"{len(requeued)} dead event(s) requeued", file=sys.stderr)
    return 1 if missing else 0


def _as_dict(stored: StoredEvent) -> dict[str, Any]:
    event = stored.event
    return {
        "id": str(event.id),
        "seq": event.seq,
        "type": event.event_type,
        "aggregate_type": event.aggregate_type,
        "aggregate_id": event.aggregate_id,
        "occurred_at": event.occurred_at.isoformat(),
        "correlation_id": event.correlation_id,
        "attempts": event.attempts,
        "last_error": stored.last_error,
        "next_attempt_at": stored.next_attempt_at.isoformat() if stored.next_attempt_at else None,
        "failed_at": stored.failed_at.isoformat() if stored.failed_at else None,
    }


def _as_line(stored: StoredEvent) -> str:
    event = stored.event
    when = stored.failed_at or stored.next_attempt_at
    return "\t".join(
        [
            str(event.id),
            event.event_type,
            f"{event.aggregate_type}:{event.aggregate_id}",
            f"attempts={event.attempts}",
            when.isoformat() if when else "due",
            (stored.last_error or "").replace("\n", " "),
        ]
    )
