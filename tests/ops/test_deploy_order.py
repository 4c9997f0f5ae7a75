"""ops/scripts/deploy.sh applies the rendered overlay in the safe order — configuration and the migration
Job, then (only once the Job completed) the API, then the relay and the rest — checked with a stand-in
kubectl that records its calls (it renders with the real kubectl's kustomize)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.ops.manifests import PRODUCTION, render
from tests.ops.tools import OPS, require

FAKE_KUBECTL = """#!/bin/sh
echo "$*" >> "$KUBECTL_LOG"
case "$1" in
    kustomize) exec "$REAL_KUBECTL" "$@" ;;
esac
case "$*" in
    *"get job paybridge-migrate"*) printf '%s' "$JOB_STATE" ;;
esac
exit 0
"""


def deploy(tmp_path: Path, job_state: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    fake = tmp_path / "kubectl"
    fake.write_text(FAKE_KUBECTL)
    fake.chmod(0o755)
    log = tmp_path / "calls.log"
    env = {
        **os.environ,
        "KUBECTL": str(fake),
        "REAL_KUBECTL": require("kubectl"),
        "KUBECTL_LOG": str(log),
        "JOB_STATE": job_state,
        "POLL_SECONDS": "0",
        "MIGRATE_TIMEOUT_SECONDS": "0",
    }
    completed = subprocess.run(
        ["sh", str(OPS / "scripts" / "deploy.sh"), str(PRODUCTION)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return completed, log.read_text().splitlines()


def test_migrations_run_and_complete_before_the_api_then_the_relay(tmp_path: Path) -> None:
    completed, calls = deploy(tmp_path, "Complete")
    assert completed.returncode == 0, completed.stderr
    rendered = {call.split(" -f ")[1].split()[0] for call in calls if " -f " in call}
    assert len(rendered) == 1  # every step applies the same rendering
    path = next(iter(rendered))
    steps = [call.replace(f"-f {path} ", "") for call in calls]
    assert steps == [
        f"kustomize {PRODUCTION}",
        "apply -l app.kubernetes.io/component in (namespace,config)",
        "-n paybridge delete job paybridge-migrate --ignore-not-found --wait=true",
        "apply -l app.kubernetes.io/component=migrate",
        '-n paybridge get job paybridge-migrate -o jsonpath={.status.conditions[?(@.status=="True")].type}',
        "apply -l app.kubernetes.io/component=api",
        "-n paybridge rollout status deployment/paybridge-api --timeout=600s",
        "apply -l app.kubernetes.io/component notin (migrate)",
        "-n paybridge rollout status deployment/paybridge-relay --timeout=600s",
    ]


def test_a_failed_migration_stops_the_deploy_before_the_api(tmp_path: Path) -> None:
    completed, calls = deploy(tmp_path, "Failed")
    assert completed.returncode == 1
    assert "migration Job failed" in completed.stderr
    assert not any("component=api" in call or "rollout" in call for call in calls)
    assert any("logs job/paybridge-migrate" in call for call in calls)


def test_a_migration_that_never_finishes_times_out(tmp_path: Path) -> None:
    completed, calls = deploy(tmp_path, "")
    assert completed.returncode == 1 and "did not finish" in completed.stderr
    assert not any("component=api" in call for call in calls)


def test_every_rendered_object_belongs_to_one_deploy_step() -> None:
    components = {doc["metadata"]["labels"].get("app.kubernetes.io/component") for doc in render(PRODUCTION)}
    assert None not in components
    assert {"namespace", "config", "migrate", "api", "relay"} <= components
