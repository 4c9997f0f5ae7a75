"""A real Prometheus server (Debian's `prometheus` binary) for tests: on a free loopback port, with a
temporary configuration and TSDB, scraping given targets every second and evaluating the shipped rules —
rendered with every `for:` shortened so an alert fires within seconds."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import yaml

from tests.ops.tools import OPS, require
from tests.support.server import free_port

RULE_FILES = (OPS / "prometheus" / "alerts.yml", OPS / "prometheus" / "recording.yml")
T = TypeVar("T")


def rules_for_tests(directory: Path, for_override: str = "5s") -> list[Path]:
    """Copies of the shipped rule files with every alert's `for:` set to `for_override`."""
    copies = []
    for source in RULE_FILES:
        document = yaml.safe_load(source.read_text())
        for group in document["groups"]:
            for rule in group["rules"]:
                if "alert" in rule and "for" in rule:
                    rule["for"] = for_override
        copy = directory / source.name
        copy.write_text(yaml.safe_dump(document, sort_keys=False))
        copies.append(copy)
    return copies


@dataclass
class RunningPrometheus:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def api(self, path: str, **params: str) -> httpx.Response:
        return httpx.get(f"{self.url}/api/v1/{path}", params=params, timeout=10.0)

    def query(self, promql: str) -> list[dict[str, Any]]:
        response = self.api("query", query=promql)
        assert response.status_code == 200, response.text
        result: list[dict[str, Any]] = response.json()["data"]["result"]
        return result

    def alerts(self) -> list[dict[str, Any]]:
        response = self.api("alerts")
        assert response.status_code == 200, response.text
        found: list[dict[str, Any]] = response.json()["data"]["alerts"]
        return found

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for(self, what: str, probe: Callable[[], T | None], timeout: float = 60.0) -> T:
        """Polls `probe` every 0.5 s until it returns something truthy; fails with the server's log."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = probe()
            if value:
                return value
            time.sleep(0.5)
        raise AssertionError(
            f"Prometheus: {what} within {timeout:g}s\n--- prometheus log ---\n{self.log()[-3000:]}"
        )


@contextmanager
def run_prometheus(
    directory: Path, targets: Mapping[str, Sequence[str]], rule_files: Sequence[Path] = ()
) -> Iterator[RunningPrometheus]:
    """Prometheus on 127.0.0.1:<free port> scraping `targets` ({job: ["host:port", …]}) every second."""
    binary = require("prometheus")
    config = {
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(path) for path in rule_files],
        "scrape_configs": [
            {"job_name": job, "static_configs": [{"targets": list(hosts)}]} for job, hosts in targets.items()
        ],
    }
    config_path = directory / "prometheus.yml"
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))
    url = f"http://127.0.0.1:{free_port()}"
    log_path = directory / "prometheus.log"
    with log_path.open("wb") as sink:
        process = subprocess.Popen(
            [
                binary,
                f"--config.file={config_path}",
                f"--storage.tsdb.path={directory / 'data'}",
                f"--web.listen-address={url.removeprefix('http://')}",
                "--log.level=warn",
            ],
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    server = RunningPrometheus(url, process, log_path)
    try:

        def ready() -> bool:
            assert process.poll() is None, f"prometheus exited with {process.returncode}:\n{server.log()}"
            try:
                return httpx.get(f"{url}/-/ready", timeout=1.0).status_code == 200
            except httpx.TransportError:
                return False

        server.wait_for("ready", ready, timeout=60.0)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
