"""Every setting the code reads has its place in the Kubernetes manifests and the docs: a key of the ConfigMap
`paybridge-config`, a key of the example Secret (secrets never in the ConfigMap), or left out on purpose with
the reason in LEFT_OUT — so a new setting fails here until someone decides where it goes. The settings are
those `Settings.from_env` and `RelaySettings.from_env` read (recorded as they read them) and every
`"PAYBRIDGE_…"` literal in the package (the command line's defaults). With the Secret's placeholders filled
in, the shipped configuration starts in production without a warning."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

import yaml

from paybridge.config import Settings
from paybridge.relay_config import RelaySettings
from tests.ops.manifests import BASE, PRODUCTION, find, render
from tests.ops.tools import REPO_ROOT

_TUNING = "a tuning knob whose code default is meant (README documents it)"
_PERFORMANCE = "a performance switch, on by default, turned off only to diagnose (docs/performance.md)"
_TLS_AT_INGRESS = (
    "TLS terminates at the ingress (docs/operations.md, production checklist); HTTPS in the pod would also"
    " need the key mounted from a Secret and HTTPS probes"
)
LEFT_OUT = {
    "PAYBRIDGE_BIND": "the API Deployment passes `serve --bind`",
    "PAYBRIDGE_WORKERS": "the API Deployment passes `serve --workers`",
    "PAYBRIDGE_METRICS_BIND": "the API Deployment passes `serve --metrics-bind`",
    "PAYBRIDGE_RELAY_HEALTH_BIND": "the relay Deployment passes `relay --health-bind`",
    "PAYBRIDGE_MIGRATIONS_DIR": "the image sets it to where it copies the migrations (ops/Dockerfile)",
    "PAYBRIDGE_TLS_CERTFILE": _TLS_AT_INGRESS,
    "PAYBRIDGE_TLS_KEYFILE": _TLS_AT_INGRESS,
    "PAYBRIDGE_DATA_DIR": "the embedded development database's directory; production requires DATABASE_URL",
    "PAYBRIDGE_ADMIN_PASSWORD": "the default of the one-off `paybridge users create-admin`, no pod's setting",
    "PGSSLMODE": "libpq's own variable: the Secret's DATABASE_URL carries sslmode=verify-full",
    "PAYBRIDGE_DB_MAX_RETRIES": _TUNING,
    "PAYBRIDGE_DB_GENERIC_PLANS": _PERFORMANCE,
    "PAYBRIDGE_EXPRESS_POSTINGS": _PERFORMANCE,
    "PAYBRIDGE_OUTBOX_NOTIFY": _PERFORMANCE,
    "PAYBRIDGE_IDEMPOTENCY_PURGE_INTERVAL_SECONDS": _TUNING,
    "PAYBRIDGE_HOLD_SWEEP_INTERVAL_SECONDS": _TUNING,
    "PAYBRIDGE_NATS_DUPLICATE_WINDOW_SECONDS": _TUNING,
    "PAYBRIDGE_NATS_MAX_MSG_SIZE": _TUNING,
    "PAYBRIDGE_NATS_PUBLISH_TIMEOUT_SECONDS": _TUNING,
    "PAYBRIDGE_RELAY_BATCH_SIZE": _TUNING,
    "PAYBRIDGE_RELAY_POLL_INTERVAL_SECONDS": _TUNING,
    "PAYBRIDGE_RELAY_MAX_ATTEMPTS": _TUNING,
    "PAYBRIDGE_RELAY_BACKOFF_BASE_SECONDS": _TUNING,
    "PAYBRIDGE_RELAY_BACKOFF_MAX_SECONDS": _TUNING,
    "PAYBRIDGE_RELAY_PURGE_INTERVAL_SECONDS": _TUNING,
    "PAYBRIDGE_RELAY_PURGE_BATCH_SIZE": _TUNING,
    "PAYBRIDGE_RELAY_STATS_INTERVAL_SECONDS": _TUNING,
}
# Secrets: in the Secret (or, for the rotation-only keys, named in its comments), never in the ConfigMap.
SECRETS = {
    "DATABASE_URL",
    "PAYBRIDGE_JWT_SECRET",
    "PAYBRIDGE_JWT_VERIFICATION_KEYS",
    "PAYBRIDGE_METRICS_TOKEN",
    "PAYBRIDGE_REDIS_URL",
}
SECRET_EXAMPLE = BASE / "secret.example.yaml"
_LITERAL = re.compile(r"""["'](PAYBRIDGE_[A-Z0-9_]+)["']""")
_NAME = re.compile(r"\bPAYBRIDGE_[A-Z0-9_]*[A-Z0-9]")
# README abbreviates related names in one cell: `PAYBRIDGE_ARGON2_TIME_COST` / `_MEMORY_COST_KIB`
_ABBREVIATED = re.compile(r"`(PAYBRIDGE_[A-Z0-9_]+)`((?:\s*/\s*`_[A-Z0-9_]+`)+)")


class RecordingEnvironment(Mapping[str, str]):
    """An empty environment that remembers every name looked up in it."""

    def __init__(self) -> None:
        self.read: set[str] = set()

    def __getitem__(self, name: str) -> str:
        self.read.add(name)
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def settings_read() -> set[str]:
    environment = RecordingEnvironment()
    Settings.from_env(environment)
    RelaySettings.from_env(environment)
    in_code = {
        name
        for path in (REPO_ROOT / "paybridge").rglob("*.py")
        for name in _LITERAL.findall(path.read_text(encoding="utf-8"))
    }
    return environment.read | in_code


def config_map() -> dict[str, str]:
    data: dict[str, str] = find(render(PRODUCTION), "ConfigMap", "paybridge-config")["data"]
    return data


def secret_example() -> tuple[dict[str, str], str]:
    text = SECRET_EXAMPLE.read_text(encoding="utf-8")
    data: dict[str, str] = yaml.safe_load(text)["stringData"]
    return data, text


def documented() -> set[str]:
    names: set[str] = set()
    for path in [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        names |= set(_NAME.findall(text))
        for match in _ABBREVIATED.finditer(text):
            full = match.group(1)
            for suffix in re.findall(r"`(_[A-Z0-9_]+)`", match.group(2)):
                names |= {full[:cut] + suffix for cut, char in enumerate(full) if char == "_"}
    return names


def test_the_recorded_settings_are_the_real_ones() -> None:
    """The recording is not vacuous: it sees settings of config.py, of its security part, of the relay and
    of the command line."""
    read = settings_read()
    assert {
        "PAYBRIDGE_ENV",
        "DATABASE_URL",
        "PAYBRIDGE_EXCHANGE_QUOTE_RETENTION_SECONDS",
        "PAYBRIDGE_REDIS_URL",
        "PAYBRIDGE_TRUSTED_PROXIES",
        "PAYBRIDGE_NATS_URL",
        "PAYBRIDGE_BIND",
    } <= read
    assert len(read) > 60


def test_every_setting_is_configured_or_left_out_on_purpose() -> None:
    config, (secret, secret_text) = config_map(), secret_example()
    placed = set(config) | set(secret) | set(LEFT_OUT) | {name for name in SECRETS if name in secret_text}
    assert sorted(settings_read() - placed) == [], "add these to ops/k8s/base/configmap.yaml or LEFT_OUT"


def test_left_out_settings_are_read_and_not_configured_after_all() -> None:
    config, (secret, _) = config_map(), secret_example()
    assert set(LEFT_OUT) <= settings_read(), "LEFT_OUT names a setting the code no longer reads"
    assert not set(LEFT_OUT) & (set(config) | set(secret))
    assert set(config) <= settings_read(), "the ConfigMap sets a variable no code reads"


def test_secrets_are_in_the_secret_never_in_the_config_map() -> None:
    config, (secret, secret_text) = config_map(), secret_example()
    assert not SECRETS & set(config)
    assert all(name in secret_text for name in SECRETS)
    assert settings_read() >= SECRETS
    assert set(secret) - SECRETS == {"PAYBRIDGE_JWT_KID"}  # no secret, but it changes with the key


def test_every_setting_is_documented() -> None:
    missing = sorted(name for name in settings_read() - documented() if name.startswith("PAYBRIDGE_"))
    assert missing == [], "document these in README.md (Configuration) or docs/"


def test_the_shipped_configuration_starts_in_production_without_warnings() -> None:
    """The ConfigMap with the example Secret's placeholders replaced by long enough values: every value
    parses, TLS to the database is required and present, the rate limits are shared through Redis."""
    secret, _ = secret_example()
    filled = {name: value.replace("REPLACE_ME", "x" * 40) for name, value in secret.items()}
    environment = {**config_map(), **filled}
    settings = Settings.from_env(environment)
    assert settings.is_production and settings.security.require_database_tls
    assert settings.security.redis_url is not None and not settings.metrics_on_api_port
    assert settings.warnings() == []
    relay = RelaySettings.from_env(environment)
    assert relay.nats_url == environment["PAYBRIDGE_NATS_URL"]
