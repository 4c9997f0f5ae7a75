"""Rendering ops/k8s with kustomize (`kubectl kustomize`) and finding things in the result."""

from __future__ import annotations

import functools
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from tests.ops.tools import OPS, require

BASE = OPS / "k8s" / "base"
PRODUCTION = OPS / "k8s" / "overlays" / "production"
Doc = dict[str, Any]


@functools.cache
def render(directory: Path) -> tuple[Doc, ...]:
    """Every document `kubectl kustomize DIRECTORY` renders (kustomize's deprecation warnings ignored)."""
    completed = subprocess.run(
        [require("kubectl"), "kustomize", str(directory)], capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 0, f"kubectl kustomize {directory} failed:\n{completed.stderr}"
    return tuple(doc for doc in yaml.safe_load_all(completed.stdout) if doc)


def find(docs: tuple[Doc, ...], kind: str, name: str) -> Doc:
    matches = [doc for doc in docs if doc["kind"] == kind and doc["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected one {kind}/{name}, found {len(matches)}"
    return matches[0]


def pod_spec(doc: Doc) -> Doc:
    """The pod spec of a Deployment, Job or CronJob."""
    spec: Doc = doc["spec"]
    if doc["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    result: Doc = spec["template"]["spec"]
    return result


def pod_labels(doc: Doc) -> dict[str, str]:
    spec: Doc = doc["spec"]
    if doc["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    labels: dict[str, str] = spec["template"]["metadata"]["labels"]
    return labels


def workloads(docs: tuple[Doc, ...]) -> Iterator[Doc]:
    return (doc for doc in docs if doc["kind"] in ("Deployment", "Job", "CronJob"))


def container(doc: Doc, name: str) -> Doc:
    matches: list[Doc] = [c for c in pod_spec(doc)["containers"] if c["name"] == name]
    assert len(matches) == 1, f"no container {name} in {doc['kind']}/{doc['metadata']['name']}"
    return matches[0]


def flag(args: list[str], name: str) -> str:
    """The value after `name` in a command line."""
    assert name in args, f"{name} missing from {args}"
    return args[args.index(name) + 1]


def bind_port(bind: str) -> int:
    return int(bind.rpartition(":")[2])


def container_port(c: Doc, port: int | str) -> int:
    """A probe's or Service's port (a number or a named container port) as a number."""
    if isinstance(port, int):
        return port
    named = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
    assert port in named, f"container {c['name']} has no port named {port!r}"
    return int(named[port])


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())


def env_value(c: Doc, name: str) -> str:
    values = [entry["value"] for entry in c.get("env", []) if entry["name"] == name and "value" in entry]
    assert values, f"container {c['name']} sets no {name}"
    return str(values[0])
