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
TEST_DIRS := $(wildcard tests/unit tests/contract tests/integration)
N ?= 1

# The newest Python >= 3.11 on PATH (override with `make PYTHON=/path/to/python3.12 install`).
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; \
	then echo $$p; break; fi; done)

.PHONY: help install run test lint typecheck imports pytest \
	migrate-up migrate-down migrate-down-all migrate-version migrate-create migrate-force migrate-list

help:
	@echo "make install | run | test | lint | typecheck | imports"
	@echo "make migrate-up | migrate-down [N=1] | migrate-down-all | migrate-version | migrate-list"
	@echo "make migrate-create NAME=snake_case_name | migrate-force V=0003"

install: $(INSTALLED)

# Reinstall whenever the project metadata changes; the stamp lives inside the venv, so a deleted venv is rebuilt.
$(INSTALLED): pyproject.toml
	@if [ ! -x "$(BIN)/python" ]; then \
		if [ -z "$(PYTHON)" ]; then echo "error: Python >= 3.11 is required (none found on PATH)" >&2; exit 1; fi; \
		echo "creating $(VENV) with $(PYTHON)"; \
		"$(PYTHON)" -m venv "$(VENV)"; \
	fi
	"$(BIN)/python" -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch "$@"

run: install
	"$(BIN)/paybridge" serve

test: lint typecheck imports pytest

lint: install
	"$(BIN)/ruff" check .
	"$(BIN)/ruff" format --check .

typecheck: install
	"$(BIN)/mypy" --strict

imports: install
	"$(BIN)/lint-imports"

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
