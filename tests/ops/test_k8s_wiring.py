"""The rendered production manifests fit the code they deploy: probes hit routes the apps really serve, on
the ports their command lines really bind, with the design note's timings; Services, ServiceMonitors and
NetworkPolicies line up with those ports; the jobs run the right commands; the PrometheusRule carries the
shipped rules."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import yaml
from starlette.routing import Route

from paybridge.application.use_cases.outbox_maintenance import RelayReadiness
from paybridge.entrypoints.cli.relay_health import health_app
from paybridge.entrypoints.http.app import create_app
from tests.ops.manifests import (
    BASE,
    PRODUCTION,
    Doc,
    bind_port,
    container,
    container_port,
    env_value,
    find,
    flag,
    pod_labels,
    pod_spec,
    render,
    selects,
)
from tests.ops.tools import OPS, require
from tests.support.containers import make_container

# The design note, §4.3: (path, initialDelaySeconds, periodSeconds, timeoutSeconds, failureThreshold).
LIVENESS = ("/live", 5, 10, 3, 3)
READINESS = ("/ready", 5, 5, 5, 3)
STARTUP = ("/live", None, 2, None, 30)


def api_paths() -> set[str]:
    app = create_app(make_container("memory"), manage_lifecycle=False)
    return {route.path for route in app.routes if isinstance(route, Route)}


def relay_paths() -> set[str]:
    async def readiness(stopping: bool) -> RelayReadiness:
        return RelayReadiness(ok=True)

    app = health_app(readiness, lambda: (b"", "text/plain"), asyncio.Event())
    return {route.path for route in app.routes if isinstance(route, Route)}


def probe(c: Doc, kind: str) -> tuple[str, int | None, int | None, int | None, int | None]:
    spec = c[kind]
    return (
        spec["httpGet"]["path"],
        spec.get("initialDelaySeconds"),
        spec.get("periodSeconds"),
        spec.get("timeoutSeconds"),
        spec.get("failureThreshold"),
    )


def check_probes(c: Doc, listen_port: int, served: set[str]) -> None:
    assert probe(c, "livenessProbe") == LIVENESS
    assert probe(c, "readinessProbe") == READINESS
    assert probe(c, "startupProbe") == STARTUP
    for kind in ("livenessProbe", "readinessProbe", "startupProbe"):
        assert c[kind]["httpGet"]["path"] in served, f"{kind} path is not a route the app serves"
        assert container_port(c, c[kind]["httpGet"]["port"]) == listen_port, f"{kind} port"


def test_api_probes_follow_the_design_and_hit_real_routes_on_the_bound_port() -> None:
    api = container(find(render(PRODUCTION), "Deployment", "paybridge-api"), "api")
    assert api["command"] == ["paybridge"] and api["args"][0] == "serve"
    port = bind_port(flag(api["args"], "--bind"))
    assert flag(api["args"], "--bind") == f"0.0.0.0:{port}"
    assert container_port(api, "http") == port == 8080
    served = api_paths()
    assert {"/live", "/ready", "/health", "/health/detailed"} <= served
    check_probes(api, port, served)


def test_relay_probes_hit_its_health_listener() -> None:
    relay = container(find(render(PRODUCTION), "Deployment", "paybridge-relay"), "relay")
    assert relay["args"][0] == "relay"
    port = bind_port(flag(relay["args"], "--health-bind"))
    check_probes(relay, port, relay_paths())


def test_termination_grace_outlasts_drain_plus_grace() -> None:
    api = find(render(PRODUCTION), "Deployment", "paybridge-api")
    c = container(api, "api")
    drain = float(env_value(c, "PAYBRIDGE_SHUTDOWN_DRAIN_SECONDS"))
    grace = float(env_value(c, "PAYBRIDGE_SHUTDOWN_GRACE_SECONDS"))
    assert pod_spec(api)["terminationGracePeriodSeconds"] > drain + grace
    config = find(render(PRODUCTION), "ConfigMap", "paybridge-config")["data"]
    assert float(config["PAYBRIDGE_SHUTDOWN_DRAIN_SECONDS"]) == drain  # one story everywhere
    assert float(config["PAYBRIDGE_SHUTDOWN_GRACE_SECONDS"]) == grace


def test_services_and_service_monitors_reach_the_metrics_listeners() -> None:
    docs = render(PRODUCTION)
    for name, c_name, metrics_flag in (
        ("paybridge-api", "api", "--metrics-bind"),
        ("paybridge-relay", "relay", "--health-bind"),
    ):
        deployment = find(docs, "Deployment", name)
        c = container(deployment, c_name)
        service = find(docs, "Service", name)
        assert selects(service["spec"]["selector"], pod_labels(deployment))
        ports = {p["name"]: p for p in service["spec"]["ports"]}
        metrics_port = bind_port(flag(c["args"], metrics_flag))
        assert container_port(c, ports["metrics"]["targetPort"]) == metrics_port
        monitor = find(docs, "ServiceMonitor", name)
        assert monitor["metadata"]["namespace"] == service["metadata"]["namespace"]
        assert selects(monitor["spec"]["selector"]["matchLabels"], service["metadata"]["labels"])
        assert [e["port"] for e in monitor["spec"]["endpoints"]] == ["metrics"]
        assert monitor["spec"]["endpoints"][0]["path"] == "/metrics"
    api_monitor = find(docs, "ServiceMonitor", "paybridge-api")["spec"]["endpoints"][0]
    secret = yaml.safe_load((BASE / "secret.example.yaml").read_text())
    token = api_monitor["authorization"]["credentials"]
    assert token["name"] == secret["metadata"]["name"] and token["key"] in secret["stringData"]
    http = find(docs, "Service", "paybridge-api")["spec"]["ports"][0]
    assert (
        container_port(container(find(docs, "Deployment", "paybridge-api"), "api"), http["targetPort"])
        == 8080
    )


def test_only_the_monitoring_namespace_reaches_the_metrics_ports() -> None:
    docs = render(PRODUCTION)
    for name in ("paybridge-api", "paybridge-relay"):
        policy = find(docs, "NetworkPolicy", name)
        assert selects(
            policy["spec"]["podSelector"]["matchLabels"], pod_labels(find(docs, "Deployment", name))
        )
        assert policy["spec"]["policyTypes"] == ["Ingress"]
        for rule in policy["spec"]["ingress"]:
            ports = {p["port"] for p in rule["ports"]}
            if "metrics" in ports:
                assert ports == {"metrics"}
                assert rule["from"] == [
                    {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}
                ]
            else:
                assert ports == {"http"} and name == "paybridge-api"
        assert any("metrics" in {p["port"] for p in rule["ports"]} for rule in policy["spec"]["ingress"])


def test_the_hpa_scales_the_api_on_cpu_and_the_pdb_protects_it() -> None:
    docs = render(PRODUCTION)
    api = find(docs, "Deployment", "paybridge-api")
    assert "replicas" not in api["spec"]  # the HPA owns it
    hpa = find(docs, "HorizontalPodAutoscaler", "paybridge-api")["spec"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "paybridge-api"}
    assert [m["resource"]["name"] for m in hpa["metrics"]] == ["cpu"]
    assert 2 <= hpa["minReplicas"] < hpa["maxReplicas"]
    pdb = find(docs, "PodDisruptionBudget", "paybridge-api")["spec"]
    assert selects(pdb["selector"]["matchLabels"], pod_labels(api)) and pdb["maxUnavailable"] == 1


def test_the_migration_job_runs_migrate_up_as_a_pre_sync_hook() -> None:
    job = find(render(PRODUCTION), "Job", "paybridge-migrate")
    c = container(job, "migrate")
    assert c["command"] + c["args"] == ["paybridge", "migrate", "up"]
    assert job["metadata"]["annotations"]["argocd.argoproj.io/hook"] == "PreSync"
    assert pod_spec(job)["restartPolicy"] == "Never"
    assert {e["configMapRef"]["name"] for e in c["envFrom"] if "configMapRef" in e} == {"paybridge-config"}


def test_the_backup_cronjob_runs_the_shipped_script_onto_its_claim() -> None:
    docs = render(PRODUCTION)
    cronjob = find(docs, "CronJob", "paybridge-backup")
    c = container(cronjob, "pg-dump")
    script = (
        (OPS / "scripts" / "backup.sh")
        .read_text()
        .split("# --- script body (kept identical in backup-cronjob.yaml) ---\n")[1]
    )
    assert c["command"] == ["/bin/sh", "-c"] and c["args"] == [script], (
        "backup-cronjob.yaml differs from backup.sh"
    )
    mounts = {m["mountPath"]: m["name"] for m in c["volumeMounts"]}
    assert env_value(c, "BACKUP_DIR") in mounts
    volume = next(v for v in pod_spec(cronjob)["volumes"] if v["name"] == mounts[env_value(c, "BACKUP_DIR")])
    find(docs, "PersistentVolumeClaim", volume["persistentVolumeClaim"]["claimName"])
    assert cronjob["spec"]["concurrencyPolicy"] == "Forbid"


def test_the_audit_cronjob_pushes_the_ledger_gauges() -> None:
    c = container(find(render(PRODUCTION), "CronJob", "paybridge-audit"), "audit")
    assert c["command"] + c["args"][:1] == ["paybridge", "audit"]
    assert flag(c["args"], "--pushgateway").startswith("http://")


def test_the_prometheus_rule_carries_the_shipped_rules(tmp_path: Path) -> None:
    rule = find(render(PRODUCTION), "PrometheusRule", "paybridge")
    shipped = [
        group
        for name in ("alerts.yml", "recording.yml")
        for group in yaml.safe_load((OPS / "prometheus" / name).read_text())["groups"]
    ]
    assert rule["spec"]["groups"] == shipped, (
        "ops/k8s/base/prometheusrule.yaml is out of date: run .venv/bin/python ops/scripts/sync_prometheusrule.py"
    )
    extracted = tmp_path / "rules.yml"
    extracted.write_text(yaml.safe_dump({"groups": rule["spec"]["groups"]}))
    checked = subprocess.run(
        [require("promtool"), "check", "rules", str(extracted)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
