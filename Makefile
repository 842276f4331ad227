# The two commands a newcomer needs: `make up` (set up everything, then `pulumi up` the dev stack)
# and `make test` (every test tier). Run `make help` for the rest.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
STACK ?= dev
VENV := venv
STAMP := $(VENV)/.installed
LOCAL_CLOUD := tools/local-cloud
PULUMI := $(LOCAL_CLOUD) exec pulumi --non-interactive

.PHONY: help stack up down preview outputs test test-deps unit integration e2e lint bench doctor

help:
	@echo "make up       set up the machine and pulumi up the '$(STACK)' stack (STACK=name to change)"
	@echo "make down     pulumi destroy the stack (the data volume is kept unless configured otherwise)"
	@echo "make preview  pulumi preview the stack"
	@echo "make outputs  print the stack outputs"
	@echo "make doctor   verify the running platform"
	@echo "make test     run every test tier (unit, integration, end-to-end), after ruff"
	@echo "make unit | integration | e2e | lint   one tier, or the linter"
	@echo "make bench    run the benchmarks (needs 'make up' first)"

$(STAMP): pyproject.toml requirements.txt
	@command -v python3 >/dev/null || { echo "python3 is missing: install Python 3.11+ (apt-get install python3 python3-venv)"; exit 1; }
	@echo "creating $(VENV)/ and installing the pinned dependencies (a few minutes the first time)"
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet -e '.[dev,bench]'
	touch $@

stack: $(STAMP)
	$(LOCAL_CLOUD) up $(STACK)
	$(PULUMI) stack select --create $(STACK)

up: stack
	$(PULUMI) up --yes --refresh --stack $(STACK)
	$(PULUMI) stack output --stack $(STACK)

preview: stack
	$(PULUMI) preview --stack $(STACK)

outputs: $(STAMP)
	$(PULUMI) stack output --stack $(STACK)

down: $(STAMP)
	$(PULUMI) destroy --yes --run-program --stack $(STACK)

doctor: $(STAMP)
	$(LOCAL_CLOUD) exec $(VENV)/bin/flowforge-infra doctor --stack $(STACK)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

# Integration tests run PostgreSQL from Debian's package; end-to-end tests need the local cloud.
test-deps: $(STAMP)
	tools/test-deps.sh
	$(LOCAL_CLOUD) up $(STACK)

unit: $(STAMP)
	$(VENV)/bin/pytest tests/unit

integration: test-deps
	$(VENV)/bin/pytest tests/integration

e2e: test-deps
	$(LOCAL_CLOUD) exec $(VENV)/bin/pytest tests/e2e

test: lint test-deps
	$(LOCAL_CLOUD) exec $(VENV)/bin/pytest tests

bench: $(STAMP)
	$(LOCAL_CLOUD) exec $(VENV)/bin/python -m benchmarks --stack $(STACK)
