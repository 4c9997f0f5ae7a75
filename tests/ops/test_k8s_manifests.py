"""ops/k8s renders with kustomize, every rendered object is valid against the Kubernetes schema (offline,
kubernetes-validate; the Prometheus Operator's kinds against tests/ops/crd_schemas.py), and every pod is
locked down the way the design's production checklist asks."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml

from tests.ops.crd_schemas import CRD_SCHEMAS
from tests.ops.manifests import BASE, PRODUCTION, Doc, container, env_value, pod_spec, render, workloads

KUBERNETES_VERSION = "1.29.0"  # the oldest cluster version these manifests are meant for
NAMESPACED_EXCEPT = {"Namespace"}
CONTAINER_TMP = "/tmp"  # noqa: S108 - a path inside the containers, not a temporary file here


def schema_errors(doc: Doc) -> list[str]:
    where = f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}"
    crd = CRD_SCHEMAS.get((doc.get("apiVersion", ""), doc.get("kind", "")))
    try:
        if crd is not None:
            jsonschema.Draft202012Validator(crd).validate(doc)
        else:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
    except jsonschema.ValidationError as error:
        return [f"{where}: {'.'.join(str(p) for p in error.absolute_path)}: {error.message}"]
    except kubernetes_validate.SchemaNotFoundError as error:
        return [f"{where}: no schema: {error.message}"]
    return []


@pytest.mark.parametrize("directory", [BASE, PRODUCTION], ids=["base", "production"])
def test_every_rendered_object_is_valid_against_its_schema(directory: Path) -> None:
    docs = render(directory)
    kinds = {doc["kind"] for doc in docs}
    assert kinds >= {
        "Deployment",
        "Service",
        "ConfigMap",
        "Job",
        "CronJob",
        "PodDisruptionBudget",
        "HorizontalPodAutoscaler",
        "NetworkPolicy",
        "ServiceMonitor",
        "PrometheusRule",
        "PersistentVolumeClaim",
    }
    errors = [error for doc in docs for error in schema_errors(doc)]
    assert errors == []


def test_the_schemas_reject_what_is_wrong() -> None:
    """The validation is not a formality: a misspelt field and a bad duration are caught."""
    deployment = next(doc for doc in render(BASE) if doc["kind"] == "Deployment")
    broken = yaml.safe_load(yaml.safe_dump(deployment))
    broken["spec"]["template"]["spec"]["containers"][0]["livenessProbes"] = {}
    assert schema_errors(broken)
    monitor = next(doc for doc in render(BASE) if doc["kind"] == "ServiceMonitor")
    broken = yaml.safe_load(yaml.safe_dump(monitor))
    broken["spec"]["endpoints"][0]["interval"] = "15 seconds"
    assert schema_errors(broken)


def test_the_secret_is_an_example_outside_the_kustomization_with_placeholders_only() -> None:
    example = yaml.safe_load((BASE / "secret.example.yaml").read_text())
    assert schema_errors(example) == []
    secrets = {"DATABASE_URL", "PAYBRIDGE_JWT_SECRET", "PAYBRIDGE_METRICS_TOKEN", "PAYBRIDGE_REDIS_URL"}
    assert set(example["stringData"]) == secrets | {"PAYBRIDGE_JWT_KID"}  # the key's id, changed with it
    assert all("REPLACE_ME" in example["stringData"][name] for name in secrets)
    assert len(example["stringData"]["PAYBRIDGE_JWT_SECRET"]) < 32  # production refuses to start with it
    assert all(doc["kind"] != "Secret" for doc in render(BASE))


def test_the_overlay_namespaces_everything_and_pins_the_image() -> None:
    docs = render(PRODUCTION)
    for doc in docs:
        if doc["kind"] not in NAMESPACED_EXCEPT:
            assert doc["metadata"].get("namespace") == "paybridge", doc["metadata"]["name"]
    images = {c["image"] for doc in workloads(docs) for c in pod_spec(doc)["containers"]}
    assert "registry.example.com/paybridge:0.1.0" in images
    for image in images:
        name, _, tag = image.rpartition(":")
        assert name and tag and tag != "latest" and "/" not in tag, f"unpinned image {image}"
    api_config = next(
        d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "paybridge-config"
    )
    assert api_config["data"]["PAYBRIDGE_ENV"] == "production"
    assert api_config["data"]["PAYBRIDGE_DB_POOL_MAX_SIZE"] == "10"  # the overlay's patch applied


@pytest.mark.parametrize("directory", [BASE, PRODUCTION], ids=["base", "production"])
def test_every_pod_runs_non_root_read_only_without_privileges_and_with_limits(directory: Path) -> None:
    for doc in workloads(render(directory)):
        spec = pod_spec(doc)
        name = f"{doc['kind']}/{doc['metadata']['name']}"
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault", name
        assert spec.get("automountServiceAccountToken") is False, name
        mounts_by_volume = {v["name"]: v for v in spec.get("volumes", [])}
        for c in spec["containers"]:
            context = c["securityContext"]
            assert context["readOnlyRootFilesystem"] is True, name
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["capabilities"]["drop"] == ["ALL"], name
            assert {"cpu", "memory"} <= set(c["resources"]["requests"]), name
            assert "memory" in c["resources"]["limits"], name
            mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
            assert CONTAINER_TMP in mounts, name
            assert "emptyDir" in mounts_by_volume[mounts[CONTAINER_TMP]], name


def test_the_api_writes_its_metrics_files_to_a_writable_volume() -> None:
    api = next(
        d
        for d in render(PRODUCTION)
        if d["metadata"]["name"] == "paybridge-api" and d["kind"] == "Deployment"
    )
    c = container(api, "api")
    directory = env_value(c, "PROMETHEUS_MULTIPROC_DIR")
    mounts = {m["mountPath"]: m["name"] for m in c["volumeMounts"]}
    volumes = {v["name"]: v for v in pod_spec(api)["volumes"]}
    assert directory in mounts and "emptyDir" in volumes[mounts[directory]]
    # Only the API's supervisor uses multiprocess mode: the relay and the jobs must not inherit the variable.
    config = next(d for d in render(PRODUCTION) if d["kind"] == "ConfigMap")
    assert "PROMETHEUS_MULTIPROC_DIR" not in config["data"]
