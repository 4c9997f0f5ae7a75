"""ops/Dockerfile cannot be built here (no Docker daemon on CI machines), so its essentials are linted:
multi-stage, pinned slim bases (never `latest`), a non-root USER in the final stage, no build tools or
package installs there, a HEALTHCHECK on /live, `paybridge serve` on the port the Kubernetes manifests use."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field

from tests.ops.manifests import PRODUCTION, bind_port, container, find, flag, render
from tests.ops.tools import OPS, REPO_ROOT

DOCKERFILE = OPS / "Dockerfile"
BUILD_TOOLS = re.compile(r"\b(gcc|g\+\+|cc|make|build-essential|python3?-dev|libpq-dev|clang|cargo|rustc)\b")
PINNED_BASE = re.compile(
    r"^[\w./-]+:(?!latest$)[\w.-]*\d[\w.-]*(@sha256:[0-9a-f]{64})?$|^[\w./-]+@sha256:[0-9a-f]{64}$"
)


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [argument for key, argument in self.instructions if key == keyword]


def instructions(text: str) -> list[tuple[str, str]]:
    """(KEYWORD, arguments) per instruction: comments dropped, continuation lines joined."""
    logical: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    assert not pending, "dangling line continuation"
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "") for line in logical
    ]


def stages(text: str) -> list[Stage]:
    result: list[Stage] = []
    for keyword, argument in instructions(text):
        if keyword == "FROM":
            words = argument.split()
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            result.append(Stage(words[0], name))
        elif result:
            result[-1].instructions.append((keyword, argument))
    return result


def problems(text: str) -> list[str]:
    """Everything wrong with a Dockerfile by this project's rules (empty: fine)."""
    found: list[str] = []
    parsed = stages(text)
    if len(parsed) < 2:
        found.append("not multi-stage")
    for stage in parsed:
        if not PINNED_BASE.match(stage.base) or stage.base.endswith(":latest"):
            found.append(f"base image not pinned to a version: {stage.base}")
        if stage.base.startswith("python:") and "slim" not in stage.base:
            found.append(f"not a slim Python base: {stage.base}")
    if not parsed:
        return found
    final = parsed[-1]
    users = final.all("USER")
    if not users or users[-1].split(":")[0] in ("root", "0"):
        found.append("the final stage does not switch to a non-root USER")
    elif any(
        key == "RUN" for key, _ in final.instructions[[k for k, _ in final.instructions].index("USER") :]
    ):
        found.append("RUN after USER in the final stage (it would need the build user's rights)")
    for command in final.all("RUN"):
        if BUILD_TOOLS.search(command) or re.search(r"\b(apt-get|apk|pip)\b.*\binstall\b", command):
            found.append(f"the final stage installs or builds: {command}")
    healthchecks = final.all("HEALTHCHECK")
    if not healthchecks or not any("/live" in check or "HEALTHCHECK_URL" in check for check in healthchecks):
        found.append("no HEALTHCHECK on /live")
    if not any(argument.startswith("--from=") for argument in final.all("COPY")):
        found.append("the final stage copies nothing from a build stage")
    return found


def test_the_dockerfile_passes_the_lint() -> None:
    assert problems(DOCKERFILE.read_text()) == []


def test_the_lint_catches_a_bad_dockerfile() -> None:
    bad = "FROM python:latest\nRUN apt-get install -y gcc && pip install .\nCMD paybridge serve\n"
    found = problems(bad)
    assert "not multi-stage" in found
    assert any("not pinned" in problem for problem in found)
    assert any("non-root USER" in problem for problem in found)
    assert any("installs or builds" in problem for problem in found)
    assert "no HEALTHCHECK on /live" in found


def test_the_image_serves_paybridge_on_the_port_kubernetes_probes() -> None:
    final = stages(DOCKERFILE.read_text())[-1]
    assert json.loads(final.all("ENTRYPOINT")[-1]) == ["paybridge"]
    command = json.loads(final.all("CMD")[-1])
    assert command[0] == "serve"
    port = bind_port(flag(command, "--bind"))
    assert flag(command, "--bind") == f"0.0.0.0:{port}"
    assert str(port) in final.all("EXPOSE")[-1].split()
    env = dict(item.split("=", 1) for item in shlex.split(" ".join(final.all("ENV"))))
    assert env["PAYBRIDGE_HEALTHCHECK_URL"] == f"http://127.0.0.1:{port}/live"
    api = container(find(render(PRODUCTION), "Deployment", "paybridge-api"), "api")
    assert bind_port(flag(api["args"], "--bind")) == port


def test_what_the_image_copies_exists_and_the_migrations_are_found() -> None:
    parsed = stages(DOCKERFILE.read_text())
    for stage in parsed:
        for argument in stage.all("COPY"):
            if not argument.startswith("--from="):
                source = argument.split()[0]
                assert (REPO_ROOT / source).exists(), f"COPY {source}: no such path in the repository"
    final = parsed[-1]
    env = dict(item.split("=", 1) for item in shlex.split(" ".join(final.all("ENV"))))
    assert any(argument.split()[-1] == env["PAYBRIDGE_MIGRATIONS_DIR"] for argument in final.all("COPY"))
    assert env["PAYBRIDGE_ENV"] == "production"
    ignore = (OPS / "Dockerfile.dockerignore").read_text().split()
    assert "*" in ignore and "!paybridge/" in ignore and "!migrations/" in ignore
