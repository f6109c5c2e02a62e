# QuantumLedger — every documented way to do things. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
REQS := requirements.txt requirements-nodeps.txt requirements-dev.txt requirements-dev-nodeps.txt pyproject.toml libs/pyproject.toml
export QL_HOME ?= .ql
export QL_PORT ?= 8000

.DEFAULT_GOAL := help

help: ## List the targets
	@grep -hE '^[a-z-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): $(REQS)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements-dev.txt
	$(PIP) install -q --no-deps -r requirements-nodeps.txt -r requirements-dev-nodeps.txt
	$(PIP) install -q --no-deps -e libs -e .
	$(PY) -m qlcore.corpus.adapters.wheels >/dev/null  # older releases the corpus reads: the tests never download
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's chromium for the page tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "warning: no chromium; the browser tests need it (apt-get install chromium)"; fi; }
	@{ command -v go >/dev/null && test -f /usr/share/gocode/src/golang.org/x/mod/sumdb/note/note.go; } || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's golang-go and golang-golang-x-mod-dev for the transparency log interop tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go golang-golang-x-mod-dev >/dev/null; \
	  else echo "warning: no Go or x/mod source; the tlog interop tests need them (apt-get install golang-go golang-golang-x-mod-dev)"; fi; }
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install the pinned dependencies

run: $(STAMP) ## Run the whole stack in the foreground (embedded NATS + PostgreSQL unless QL_NATS_URL/QL_DATABASE_URL)
	$(VENV)/bin/ql dev run

run-cluster: $(STAMP) ## Run the stack on a 3-node JetStream cluster (loopback), 3 replicas, two processes of each service
	$(VENV)/bin/ql dev run --cluster

test: $(STAMP) ## Run every test: unit, integration (real NATS + PostgreSQL), end-to-end
	$(VENV)/bin/pytest -q $(PYTEST_ARGS)

test-unit: $(STAMP) ## Only the unit tests (no servers)
	$(VENV)/bin/pytest -q tests/unit $(PYTEST_ARGS)

drift-fit: $(STAMP) ## Refit the drift model (services/reproduce/domain/drift_params.json) and run its held-out check
	$(PY) -m services.reproduce.tools.fit_drift --check

bench: $(STAMP) ## Run the benchmarks; figures printed and written under bench/results/
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; } || \
	  echo "warning: no wrk; HTTP load benchmarks fall back to a Python client (apt-get install wrk)"
	$(PY) -m bench $(BENCH_ARGS)

lint: $(STAMP) ## ruff (lint + format check), mypy on libs/ and services/, the import contracts (lint-imports)
	$(VENV)/bin/ruff check libs services tests bench
	$(VENV)/bin/ruff format --check libs services tests bench
	$(VENV)/bin/mypy libs services
	$(VENV)/bin/lint-imports

format: $(STAMP) ## Format the code with ruff
	$(VENV)/bin/ruff check --fix libs services tests bench
	$(VENV)/bin/ruff format libs services tests bench

schemas: $(STAMP) ## Regenerate the checked-in JSON Schemas under proto-schemas/
	$(PY) -m qlcore.schemas --write

clean: ## Remove the venv and local state (.ql)
	rm -rf $(VENV) .ql .pytest_cache .mypy_cache .ruff_cache

.PHONY: help install run run-cluster test test-unit bench lint format schemas clean
