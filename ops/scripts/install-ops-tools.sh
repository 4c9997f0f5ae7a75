#!/usr/bin/env bash
# Installs the programs the ops tests (tests/ops) need besides Python, when missing — idempotent:
#   promtool, prometheus   Debian's `prometheus` package
#   kubectl                Debian's `kubernetes-client` (any kubectl >= 1.20 will do: its kustomize renders ops/k8s)
# As root with apt-get it installs them (used by .ci/run and `make ops-tools`) and makes sure the package's own
# Prometheus service is not left running (it would hold :9090; the tests use free ports anyway). Otherwise it
# prints the command to run and exits 1. pg_dump/pg_restore/psql need nothing: the pgserver wheel ships them.
set -euo pipefail

packages=()
if ! command -v promtool >/dev/null 2>&1 || ! command -v prometheus >/dev/null 2>&1; then
    packages+=(prometheus)
fi
if ! command -v kubectl >/dev/null 2>&1; then
    packages+=(kubernetes-client)
fi
if [ "${#packages[@]}" -eq 0 ]; then
    echo "ops tools: promtool, prometheus and kubectl are installed"
    exit 0
fi

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "ops tools missing (${packages[*]}): install them with" >&2
    echo "    sudo apt-get install --no-install-recommends ${packages[*]}" >&2
    echo "(elsewhere: promtool and prometheus from a Prometheus 2.x release, and kubectl >= 1.20)" >&2
    exit 1
fi

echo "ops tools: installing ${packages[*]}"
export DEBIAN_FRONTEND=noninteractive
# Keep the packages' services from starting during the install (Debian's policy-rc.d convention).
policy=/usr/sbin/policy-rc.d
created_policy=false
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"
    chmod +x "$policy"
    created_policy=true
fi
status=0
{ apt-get update -qq && apt-get install -y -qq --no-install-recommends "${packages[@]}"; } || status=$?
if [ "$created_policy" = true ]; then
    rm -f "$policy"
fi
# Should a service have started anyway (a systemd machine), stop it and keep it from starting at boot.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
    systemctl stop prometheus || true
    systemctl disable prometheus >/dev/null 2>&1 || true
fi
exit "$status"
