# CRM platform — one Makefile for every service. Services join by having services/<name>/ with a
# service.toml and a pyproject.toml; nothing here lists them by hand.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.installed
SERVICES := $(patsubst services/%/pyproject.toml,%,$(wildcard services/*/pyproject.toml))
LOCAL_PACKAGES := libs/chassis $(addprefix services/,$(SERVICES)) cli
PROTOS := $(shell find protos -name '*.proto' 2>/dev/null)
TEST_TIMEOUT ?= 300


.PHONY: deploy-render help setup venv protos infra-run infra-test run test test-unit chaos-worker-stop chaos bench lint clean

help:
	@echo "make run    start every service (gRPC api + nameko worker + outbox relay) on SQLite + local RabbitMQ"
	@echo "make test   the whole suite on PostgreSQL and RabbitMQ"
	@echo "make setup  virtualenv, pinned installs, generated proto code, crmctl (idempotent)"
	@echo "make bench  benchmarks (writes figures to docs/benchmarks.md)"
	@echo "make chaos  the whole platform under a seeded fault schedule (CRM_CHAOS_LEADS, CRM_CHAOS_SEED)"
	@echo "make chaos-worker-stop  SIGTERM a busy worker 50 times: each stops within 10 s, nothing lost"
	@echo "make lint   import-layer contracts, proto lint (buf)"
	@echo "make protos regenerate Python code from protos/"

# ---------------------------------------------------------------- setup
$(PY):
	@$(PYTHON) -m venv --help >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv python3-dev >/dev/null; \
	  else echo "error: python3 venv support missing: sudo apt-get install python3-venv"; exit 1; fi; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(STAMP): $(PY) requirements.txt constraints.txt $(wildcard libs/*/pyproject.toml services/*/pyproject.toml cli/pyproject.toml)
	$(PIP) install -q -r requirements.txt -c constraints.txt
	$(PIP) install -q --no-deps $(foreach p,$(LOCAL_PACKAGES),-e $(p))
	@touch $@

gen/python/.stamp: $(STAMP) $(PROTOS) scripts/gen-protos.sh
	PY=$(PY) scripts/gen-protos.sh
	@echo "$(CURDIR)/gen/python" > "$$($(PY) -c 'import sysconfig;print(sysconfig.get_paths()["purelib"])')/crm-gen.pth"
	@touch $@

venv: $(STAMP)
protos: gen/python/.stamp

setup: venv protos
	@echo "setup done: $(VENV) with $(SERVICES); crmctl at $(VENV)/bin/crmctl"

infra-run:
	@scripts/ensure-infra.sh rabbitmq
infra-test:
	@scripts/ensure-infra.sh rabbitmq postgres

# ---------------------------------------------------------------- run
run: setup infra-run
	$(VENV)/bin/crm-dev run

# ---------------------------------------------------------------- test
test: setup infra-test lint-imports
	$(PY) -m pytest -p no:cacheprovider --timeout=$(TEST_TIMEOUT) -q libs services tests cli deploy

# The whole platform under faults: docs/reliability.md, "make chaos". Its own databases and
# vhost; CRM_CHAOS_BROKER_RESTART=1 / CRM_CHAOS_PG_RESTART=1 also restart the machine's servers.
CHAOS_TIMEOUT ?= 1500
chaos: setup infra-test
	$(PY) -m pytest -p no:cacheprovider --timeout=$(CHAOS_TIMEOUT) -q -s chaos

# 50 SIGTERMs to a busy worker, each stopping within 10 s with nothing lost.
chaos-worker-stop: setup infra-test
	CRM_WORKER_STOP_ROUNDS=50 $(PY) -m pytest -p no:cacheprovider -q \
		libs/chassis/tests/events/test_worker_stop_integration.py

test-unit: setup
	$(PY) -m pytest -p no:cacheprovider -q -m "not integration" libs services cli deploy

# ---------------------------------------------------------------- quality
lint-imports: setup
	@for s in $(SERVICES); do (cd services/$$s && ../../$(VENV)/bin/lint-imports --no-cache) || exit 1; done

.tools/node_modules/.bin/buf:
	mkdir -p .tools && cd .tools && npm install --silent --no-audit --no-fund @bufbuild/buf@1.75.0 >/dev/null

lint: lint-imports .tools/node_modules/.bin/buf
	.tools/node_modules/.bin/buf lint

# ---------------------------------------------------------------- bench
bench: setup infra-test
	$(PY) -m bench.run

deploy-render: setup
	$(PY) deploy/k8s/generate.py && $(PY) deploy/observability/generate.py

clean:
	rm -rf $(VENV) gen data .tools
