"""`paybridge serve --certfile --keyfile` serves HTTPS (hypercorn's TLS) with a certificate made for the
test by a throw-away CA (trustme); `Strict-Transport-Security` is sent over TLS and only over TLS. In
production a DATABASE_URL without TLS is a warning, or a refusal with PAYBRIDGE_REQUIRE_DATABASE_TLS."""

from __future__ import annotations

import json
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import trustme

from tests.support.server import PAYBRIDGE, REPO_ROOT, run_server, server_env

pytestmark = pytest.mark.integration

HSTS = "strict-transport-security"


def trusting(ca: trustme.CA) -> ssl.SSLContext:
    """A client context that trusts the test CA (and nothing else)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies the chain and the host name
    context.load_verify_locations(cadata=ca.cert_pem.bytes().decode())
    return context


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def certificate(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(certfile, keyfile) of a server certificate for 127.0.0.1 and localhost."""
    directory = tmp_path_factory.mktemp("tls")
    issued = ca.issue_cert("127.0.0.1", "localhost")
    certfile, keyfile = directory / "server.pem", directory / "server.key"
    issued.cert_chain_pems[0].write_to_path(str(certfile))
    for extra in issued.cert_chain_pems[1:]:
        extra.write_to_path(str(certfile), append=True)
    issued.private_key_pem.write_to_path(str(keyfile))
    yield str(certfile), str(keyfile)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_https_with_hsts(
    migrated_database_url: str, ca: trustme.CA, certificate: tuple[str, str], workers: str
) -> None:
    certfile, keyfile = certificate
    env = server_env(migrated_database_url)
    args = ("--certfile", certfile, "--keyfile", keyfile, "--workers", workers)
    with run_server(env, *args, scheme="https", verify=trusting(ca)) as server:
        assert server.base_url.startswith("https://")
        with httpx.Client(base_url=server.base_url, verify=trusting(ca), timeout=10) as https:
            for path in ("/live", "/api/v1/wallets", "/no/such/route"):
                response = https.get(path)
                assert response.headers[HSTS] == "max-age=31536000", path
                assert response.headers["x-content-type-options"] == "nosniff"
            assert https.get("/api/v1/wallets").status_code == 401
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            httpx.get(f"{server.base_url}/live", timeout=5)  # a client that does not trust our CA refuses
        with pytest.raises(httpx.HTTPError):  # no plain HTTP on the TLS port
            httpx.get(server.base_url.replace("https://", "http://") + "/live", timeout=5)
        assert '"tls":true' in server.log().replace(" ", "")


def test_no_hsts_without_tls(migrated_database_url: str) -> None:
    with run_server(server_env(migrated_database_url)) as server:
        for path in ("/live", "/api/v1/wallets"):
            response = httpx.get(f"{server.base_url}{path}", timeout=10)
            assert HSTS not in response.headers
            assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (("--certfile", "{cert}"), "--certfile and --keyfile"),
        (("--keyfile", "{key}"), "--certfile and --keyfile"),
        (("--certfile", "/nonexistent/cert.pem", "--keyfile", "{key}"), "TLS file not found"),
    ],
)
def test_incomplete_tls_configuration_is_refused(
    migrated_database_url: str, certificate: tuple[str, str], args: tuple[str, ...], complaint: str
) -> None:
    cert, key = certificate
    argv = [a.format(cert=cert, key=key) for a in args]
    result = subprocess.run(
        [PAYBRIDGE, "serve", "--bind", "127.0.0.1:0", *argv],
        env=server_env(migrated_database_url),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert complaint in result.stderr
    assert Path(cert).is_file()


def test_production_warns_about_a_database_without_tls(migrated_database_url: str) -> None:
    env = server_env(migrated_database_url, PAYBRIDGE_ENV="production")
    with run_server(env) as server:
        assert httpx.get(f"{server.base_url}/live", timeout=10).status_code == 200
        server.stop()
        lines = [json.loads(line) for line in server.log().splitlines() if line.strip()]
    warnings = [line for line in lines if "does not require TLS" in line["msg"]]
    assert len(warnings) == 1 and warnings[0]["level"] == "WARNING", warnings


def test_requiring_database_tls_refuses_a_plain_database_url(migrated_database_url: str) -> None:
    env = server_env(migrated_database_url, PAYBRIDGE_ENV="production", PAYBRIDGE_REQUIRE_DATABASE_TLS="true")
    result = subprocess.run(
        [PAYBRIDGE, "serve", "--bind", "127.0.0.1:0"],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "PAYBRIDGE_REQUIRE_DATABASE_TLS is set but DATABASE_URL has no sslmode" in result.stderr
