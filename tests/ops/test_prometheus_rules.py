"""ops/prometheus: promtool accepts the rules and the example configuration, the rules' unit tests pass,
every alert has a test that fires it and one that keeps it silent, the design note's three alerts keep their
thresholds, and every alert links to a runbook section that exists."""

from __future__ import annotations

import re
import subprocess
from typing import Any

import yaml

from tests.ops.tools import OPS, REPO_ROOT, require

PROMETHEUS_DIR = OPS / "prometheus"
RULE_FILES = [PROMETHEUS_DIR / "alerts.yml", PROMETHEUS_DIR / "recording.yml"]
UNIT_TESTS = PROMETHEUS_DIR / "tests" / "alerts_test.yml"


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [require("promtool"), *args], capture_output=True, text=True, timeout=120, cwd=PROMETHEUS_DIR
    )


def alerts() -> dict[str, dict[str, Any]]:
    groups = yaml.safe_load((PROMETHEUS_DIR / "alerts.yml").read_text())["groups"]
    return {rule["alert"]: rule for group in groups for rule in group["rules"]}


def test_promtool_accepts_the_rules() -> None:
    checked = promtool("check", "rules", *map(str, RULE_FILES))
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_promtool_accepts_the_example_configuration() -> None:
    checked = promtool("check", "config", str(PROMETHEUS_DIR / "prometheus.yml"))
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_rules_unit_tests_pass() -> None:
    tested = promtool("test", "rules", str(UNIT_TESTS))
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "SUCCESS" in tested.stdout


def test_every_alert_has_a_firing_and_a_silent_unit_test() -> None:
    cases = yaml.safe_load(UNIT_TESTS.read_text())["tests"]
    fired: set[str] = set()
    silent: set[str] = set()
    for case in cases:
        for check in case.get("alert_rule_test", []):
            (fired if check["exp_alerts"] else silent).add(check["alertname"])
    names = set(alerts())
    assert names - fired == set(), "alerts never shown firing"
    # A "pending" check (exp_alerts [] before `for` elapsed) in a firing case does not count as silent:
    silent_cases = {
        check["alertname"]
        for case in cases
        if all(not check["exp_alerts"] for check in case.get("alert_rule_test", []))
        for check in case.get("alert_rule_test", [])
    }
    assert names - silent_cases == set(), "alerts never shown silent on a healthy series"


def test_the_design_alerts_keep_their_thresholds_durations_and_severities() -> None:
    rules = alerts()
    expected = {
        "HighErrorRate": ("> 0.05", "5m", "critical"),
        "HighLatency": ("> 2", "5m", "warning"),
        "DatabaseConnectionsExhausted": ("> 0.9", "5m", "critical"),
    }
    for name, (threshold, duration, severity) in expected.items():
        rule = rules[name]
        assert " ".join(rule["expr"].split()).endswith(threshold), name
        assert (rule["for"], rule["labels"]["severity"]) == (duration, severity), name
    assert 'status=~"5.."' in rules["HighErrorRate"]["expr"]
    assert "histogram_quantile(0.99" in rules["HighLatency"]["expr"]
    assert {
        "OutboxBacklogGrowing",
        "OutboxDeadEvents",
        "TargetDown",
        "DBRetriesSpiking",
        "LedgerImbalance",
    } <= set(rules)


def github_anchor(heading: str) -> str:
    slug = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return slug.replace(" ", "-")


def test_every_alert_links_to_its_runbook_section() -> None:
    runbook = (REPO_ROOT / "docs" / "operations.md").read_text()
    anchors = {github_anchor(line.lstrip("#")) for line in runbook.splitlines() if line.startswith("#")}
    for name, rule in alerts().items():
        assert rule["labels"]["severity"] in ("critical", "warning"), name
        assert {"summary", "description", "runbook_url"} <= set(rule["annotations"]), name
        path, _, anchor = rule["annotations"]["runbook_url"].partition("#")
        assert path == "docs/operations.md" and anchor in anchors, f"{name}: no section #{anchor} in {path}"
