"""The money path's one statement. Kept in its own module so the benchmark can run exactly this SQL.

In one round trip and one statement it locks every wallet of the posting in id order (a fixed order, so
opposing transfers cannot deadlock), re-checks each leg under the lock — the wallet is in the leg's currency,
ACTIVE (unless the leg only releases held money), keeps available = balance - held >= 0 (user wallets) and,
for a leg that counts as outgoing, stays within its daily and monthly limits (the wallet's own, else the
currency default passed per leg) — and the posting's other conditions (the acting user is KYC VERIFIED, the
settled hold is PENDING, a reversal fits in what is left of the original, a quote is unused and unexpired).
Only when all pass does it apply the balance, held and outgoing-usage changes, write the transaction (or
finish the PENDING one), the ledger entries (with balance_after), the hold, the original's reversed_amount,
the quote's use, the outbox events and the idempotency record. When a check fails nothing is written and the
locked wallets' states and the conditions come back.

The hold, original transaction or quote a posting names is locked by the caller *before* this statement (the
lock order is always: that row, then wallets), so the conditions read here are current.

The statement is assembled from fragments (posting_fragments.py) for what a posting links to (`post_sql`):
a plain transfer runs only the parts it needs, as few plan nodes as the original one-currency statement plus
the held / usage columns and the KYC condition. Each variant is a constant text, so psycopg prepares it once
per connection; raw_statements.py converts it once to `$n` placeholders.

The express variant (`express=True`, run alone in autocommit by adapters/postgres/express.py) is the whole
idempotent transfer: it also takes the idempotency key with a non-waiting advisory lock, returns the key's
stored outcome instead of locking anything when there is one, and checks what a posting planned without
reading its wallets presumes (the owner of the source, user wallets only but a withdrawal's settlement
account, no due hold on the source).

Outgoing usage (limits.py) is counted per UTC day and month on the wallet row: a charge in the stored period
adds to it (never below zero), a positive charge in a new period replaces it, a give-back for a period that
is over changes nothing.
"""

from __future__ import annotations

from functools import cache
from typing import LiteralString

from paybridge.adapters.postgres.posting_fragments import (
    DECISION,
    FINISHED_TRANSACTION,
    HOLD_PENDING,
    HOLD_PLACED,
    HOLD_SETTLED,
    KEY,
    KEY_FREE,
    KEY_RESULT,
    KYC,
    LEGS,
    LEGS_BODY,
    LOCKED_TAIL,
    NEW_TRANSACTION,
    PRESUMED,
    QUOTE_USABLE,
    QUOTED,
    RESULT,
    REVERSAL_FITS,
    REVERSED,
    TAIL,
)


@cache
def post_sql(
    *,
    kyc: bool = False,
    new_transaction: bool = True,
    hold: str | None = None,
    reversal: bool = False,
    quote: bool = False,
    express: bool = False,
) -> LiteralString:
    """The posting statement for a posting that checks the actor's KYC (`kyc`), creates its transaction or
    finishes a pending one, places or settles a hold (`hold`: "place" / "settle"), reverses a transaction,
    uses a quote. Conditions a posting does not have are constant `true`.

    `express`: the statement also takes the idempotency key (`pg_try_advisory_xact_lock`, never waits) and
    looks up its stored outcome first, locks and writes nothing unless the key is free, and checks the
    presumption of a posting planned without reading its wallets (`presumed_owner` owns `presumed_wallet`,
    which has no PENDING hold due at `now`; every wallet is a user wallet but `presumed_system`). Run alone
    in autocommit it is the whole unit of work in one round trip."""
    parts: list[LiteralString] = [
        KEY if express else LEGS,
        LEGS_BODY,
        KEY_FREE if express else "",
        LOCKED_TAIL,
        KYC if kyc else "true AS actor_verified,",
        HOLD_PENDING if hold == "settle" else "\n           true AS hold_pending,",
        REVERSAL_FITS if reversal else "\n           true AS reversal_fits,",
        QUOTE_USABLE if quote else "\n           true AS quote_unused, true AS quote_unexpired",
        PRESUMED if express else ",\n           true AS presumed",
        DECISION,
        NEW_TRANSACTION if new_transaction else FINISHED_TRANSACTION,
    ]
    if hold == "place":
        parts.append(HOLD_PLACED)
    elif hold == "settle":
        parts.append(HOLD_SETTLED)
    if reversal:
        parts.append(REVERSED)
    if quote:
        parts.append(QUOTED)
    parts.append(TAIL)
    parts.append(KEY_RESULT if express else RESULT)
    return "".join(parts)


POST_SQL: LiteralString = post_sql(kyc=True, express=True)
"""The statement of a plain express transfer: what ceiling A runs (bench/sql/transfer_ceiling_a.sql)."""
