# PayBridge developer commands. Everything runs from the project's own virtualenv ($(VENV)), which `install`
# creates on first use, so no activation is needed and a fresh machine needs only Python >= 3.11.
#
# Database: DATABASE_URL if set, else an embedded PostgreSQL (pgserver) under $(PAYBRIDGE_DATA_DIR:-.paybridge).
# Tests: PAYBRIDGE_TEST_DATABASE_URL, else DATABASE_URL, else a throw-away embedded PostgreSQL.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.paybridge-installed
TEST_DIRS := $(wildcard tests/unit tests/contract tests/integration tests/ops)
N ?= 1

# The newest Python >= 3.11 on PATH (override with `make PYTHON=/path/to/python3.12 install`).
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; \
	then echo $$p; break; fi; done)

.PHONY: help install run relay test lint typecheck imports pytest ops-tools chaos fuzz bench soak profile \
	migrate-up migrate-down migrate-down-all migrate-version migrate-create migrate-force migrate-list

help:
	@echo "make install | run | relay | test | lint | typecheck | imports"
	@echo "make migrate-up | migrate-down [N=1] | migrate-down-all | migrate-version | migrate-list"
	@echo "make migrate-create NAME=snake_case_name | migrate-force V=0003"
	@echo "make ops-tools   # promtool, prometheus, kubectl for the ops tests (tests/ops)"
	@echo "make chaos | fuzz   # long fault-injection runs (reliability table) and schema fuzzing"
	@echo "make bench | soak | profile   # performance (docs/performance.md); BENCH_ARGS=... passes options"

install: $(INSTALLED)

# Reinstall whenever the project metadata changes; the stamp lives inside the venv, so a deleted venv is rebuilt.
$(INSTALLED): pyproject.toml
	@if [ ! -x "$(BIN)/python" ]; then \
		if [ -z "$(PYTHON)" ]; then echo "error: Python >= 3.11 is required (none found on PATH)" >&2; exit 1; fi; \
		echo "creating $(VENV) with $(PYTHON)"; \
		"$(PYTHON)" -m venv "$(VENV)"; \
	fi
	"$(BIN)/python" -m pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
	@touch "$@"

run: install
	"$(BIN)/paybridge" serve

# The outbox relay (not started by `run`): needs PAYBRIDGE_NATS_URL, e.g. nats://127.0.0.1:4222.
relay: install
	"$(BIN)/paybridge" relay

test: lint typecheck imports pytest

# The programs tests/ops needs besides Python (promtool, prometheus, kubectl): installs what is missing when
# run as root with apt-get, else prints the apt-get command. `make test` never skips the ops tests: without
# these programs they fail, naming the package to install.
ops-tools:
	bash ops/scripts/install-ops-tools.sh

lint: install
	"$(BIN)/ruff" check .
	"$(BIN)/ruff" format --check .

typecheck: install
	"$(BIN)/mypy" --strict

imports: install
	"$(BIN)/lint-imports"

# Reliability (docs/reliability.md): the bank workload under each fault at the long scale, printing the table
# fault | operations | acknowledged | lost | duplicated | recovery; and schema fuzzing with a long budget.
chaos: install
	PAYBRIDGE_CHAOS_SCALE=long "$(BIN)/pytest" tests/integration/reliability/test_faults.py -p no:cacheprovider

fuzz: install
	PAYBRIDGE_FUZZ_SECONDS=$${PAYBRIDGE_FUZZ_SECONDS:-900} PAYBRIDGE_FUZZ_MAX_EXAMPLES=$${PAYBRIDGE_FUZZ_MAX_EXAMPLES:-200} \
	PAYBRIDGE_FUZZ_SEED=$${PAYBRIDGE_FUZZ_SEED:-$$RANDOM} \
	"$(BIN)/pytest" tests/integration/reliability/test_schema_fuzz.py -p no:cacheprovider -s

# Performance (docs/performance.md): the API against pgbench ceilings on a fresh database, ~35 min with the
# defaults; the 10-minute soak at ~70 % of the maximum; a py-spy profile of a transfer load. wrk comes from
# apt when run as root (bench/install-tools.sh says what to install otherwise). Results: .paybridge/bench/.
bench: install
	bash bench/install-tools.sh
	"$(BIN)/python" -m bench.run $(BENCH_ARGS)

soak: install
	bash bench/install-tools.sh
	"$(BIN)/python" -m bench.soak $(BENCH_ARGS)

profile: install
	bash bench/install-tools.sh
	"$(BIN)/python" -m bench.profile $(BENCH_ARGS)

# pytest exits 5 when it collected no tests: that is a failure here, never a pass.
pytest: install
	@status=0; "$(BIN)/pytest" $(TEST_DIRS) || status=$$?; \
	if [ $$status -eq 5 ]; then echo "error: pytest collected no tests" >&2; fi; \
	exit $$status

migrate-up: install
	"$(BIN)/paybridge" migrate up

migrate-down: install
	"$(BIN)/paybridge" migrate down "$(N)"

migrate-down-all: install
	"$(BIN)/paybridge" migrate down-all

migrate-version: install
	"$(BIN)/paybridge" migrate version

migrate-list: install
	"$(BIN)/paybridge" migrate list

migrate-create: install
	@if [ -z "$(NAME)" ]; then echo "usage: make migrate-create NAME=snake_case_name" >&2; exit 2; fi
	"$(BIN)/paybridge" migrate create "$(NAME)"

migrate-force: install
	@if [ -z "$(V)" ]; then echo "usage: make migrate-force V=<migration id or number, or none>" >&2; exit 2; fi
	"$(BIN)/paybridge" migrate force "$(V)"
