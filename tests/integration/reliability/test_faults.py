"""The bank workload under faults (tests/support/faults.py): for each fault, the checker passes afterwards —
the audit is clean, no acknowledged transaction is lost, none applied twice, one outbox event per transaction
and one stream message per event —, the service recovers by itself, and the clients only ever saw retryable
answers (503, 409 in progress, connection errors) or legitimate refusals: never a 500 or a wrong answer.

`make test` runs the fast scale (each fault once, a few hundred operations each); `make chaos` runs the long
one (PAYBRIDGE_CHAOS_SCALE=long) and prints the table of docs/reliability.md."""

from __future__ import annotations

import zlib

import pytest

from bench.bank_setup import open_bank
from tests.integration.reliability.conftest import ADMIN_EMAIL
from tests.support.faults import FAULTS, RESULTS, Rig, bank_config, current_scale, format_table, run_fault

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.mark.parametrize("rig", list(FAULTS), indirect=True)
async def test_the_ledger_survives_the_fault(rig: Rig) -> None:
    _, scale = current_scale()
    config = bank_config(scale, seed=zlib.crc32(rig.fault.encode()))
    bank = await open_bank(rig.api.base_url, config, ADMIN_EMAIL, rig.database_url)
    row = await run_fault(rig.fault, rig, bank, scale)
    RESULTS.append(row)
    print(f"\n{format_table([row])}")
    report = row.report
    assert report.problems == [], "\n".join(report.problems[:20])
    assert report.audit_ok
    assert (row.lost, row.duplicated, row.wrong, row.unresolved) == (0, 0, 0, 0)
    assert row.acknowledged > 0
    assert len(row.recoveries) == scale.repeats
    assert None not in row.recoveries, f"readiness did not return: {row.recoveries}"
