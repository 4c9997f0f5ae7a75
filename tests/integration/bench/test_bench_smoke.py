"""`make bench` cannot rot: the whole harness runs end to end, tiny and for about a second per case
(`python -m bench.run --smoke`). Checks that every case produced figures and no errors — never timings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.plan import build_cases, parse_args

pytestmark = [pytest.mark.integration, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[3]


def test_the_bench_runs_end_to_end(pg_server_url: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYBRIDGE_") and k != "DATABASE_URL"}
    env["PAYBRIDGE_BENCH_DATABASE_URL"] = pg_server_url
    command = [sys.executable, "-m", "bench.run", "--smoke", "--output", str(tmp_path)]
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}"

    report = json.loads((tmp_path / "results.json").read_text())
    expected = {case.key for case in build_cases(parse_args(["--smoke"]))}
    results = {result["key"]: result for result in report["results"]}
    assert set(results) == expected
    for key, result in results.items():
        assert "error" not in result, (key, result)
        assert result["requests"] > 0 and result["errors"] == 0, (key, result)
    relay = next(result for key, result in results.items() if key.endswith("/relay"))
    assert relay["backlog_at_end"] >= 0 and relay["drain_s"] is not None  # the relay caught up
    assert set(report["meta"]["plans"]) == {
        f"{e} at {n} rows" for e in ("transactions", "entries") for n in ("100", "1,000")
    }
    markdown = (tmp_path / "results.md").read_text()
    assert "API ÷ ceiling A" in markdown and "EXPLAIN (ANALYZE, BUFFERS)" in markdown
