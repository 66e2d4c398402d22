# CRM platform — one Makefile for every service. Services join by having services/<name>/ with a
# service.toml and a pyproject.toml; nothing here lists them by hand.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.installed
comma := ,
space := $(subst ,, )
SERVICES := $(patsubst services/%/pyproject.toml,%,$(wildcard services/*/pyproject.toml))
LOCAL_PACKAGES := libs/chassis libs/devkit $(addprefix services/,$(SERVICES)) cli
PROTOS := $(shell find protos -name '*.proto' 2>/dev/null)
TEST_TIMEOUT ?= 300
# Each run's temporary files in the checkout, one folder per target: pytest's default
# (/tmp/pytest-of-<user>) keeps only the three newest sessions of the machine, so a run deleted
# the files of another run still going (a second clone's suite, a helper's test).
PYTEST = $(PY) -m pytest -p no:cacheprovider --basetemp=$(CURDIR)/.pytest-tmp-$@


.PHONY: deploy-render help setup console-assets browser-assets venv protos infra-run infra-test run test test-unit chaos-worker-stop chaos bench lint lint-ruff lint-format mypy lint-imports lint-protos clean lint-docker

help:
	@echo "make run    start every service (gRPC api + nameko worker + outbox relay) on SQLite + local RabbitMQ"
	@echo "make demo   seed a realistic company into make run's platform (starts it if needed), print sign-ins"
	@echo "make test   the whole suite on PostgreSQL and RabbitMQ"
	@echo "make setup  virtualenv, pinned installs, generated proto code, crmctl (idempotent)"
	@echo "make bench  benchmarks (writes figures to docs/benchmarks.md)"
	@echo "make chaos  the whole platform under a seeded fault schedule (CRM_CHAOS_LEADS, CRM_CHAOS_SEED)"
	@echo "make chaos-worker-stop  SIGTERM a busy worker 50 times: each stops within 10 s, nothing lost"
	@echo "make lint   ruff (lint + format check), mypy, import contracts, buf lint + buf breaking, Dockerfiles"
	@echo "make protos regenerate Python code from protos/"

# ---------------------------------------------------------------- setup
$(PY):
	@$(PYTHON) -m venv --help >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv python3-dev >/dev/null; \
	  else echo "error: python3 venv support missing: sudo apt-get install python3-venv"; exit 1; fi; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(STAMP): $(PY) requirements.txt requirements-dev.txt constraints.txt $(wildcard libs/*/pyproject.toml services/*/pyproject.toml cli/pyproject.toml)
	$(PIP) install -q -r requirements-dev.txt -c constraints.txt
	$(PIP) install -q --no-deps $(foreach p,$(LOCAL_PACKAGES),-e $(p))
	@touch $@

gen/python/.stamp: $(STAMP) $(PROTOS) scripts/gen-protos.sh
	PY=$(PY) scripts/gen-protos.sh
	@echo "$(CURDIR)/gen/python" > "$$($(PY) -c 'import sysconfig;print(sysconfig.get_paths()["purelib"])')/crm-gen.pth"
	@touch $@

venv: $(STAMP)
protos: gen/python/.stamp

# The console's pinned JavaScript (services/console/package-lock.json), served by the console
# itself from crm_console/static/vendor, and its compiled gettext catalogues (.mo, not committed).
CONSOLE := services/console
CONSOLE_VENDOR := $(CONSOLE)/crm_console/static/vendor/.stamp
$(CONSOLE_VENDOR): $(CONSOLE)/package.json $(CONSOLE)/package-lock.json
	cd $(CONSOLE) && npm ci --silent --no-audit --no-fund --ignore-scripts >/dev/null
	mkdir -p $(dir $@)
	cp $(CONSOLE)/node_modules/htmx.org/dist/htmx.min.js $(CONSOLE)/node_modules/sortablejs/Sortable.min.js $(CONSOLE)/node_modules/chart.js/dist/chart.umd.min.js $(dir $@)
	@touch $@
console-assets: $(CONSOLE_VENDOR) $(STAMP)
	$(VENV)/bin/pybabel compile -d $(CONSOLE)/crm_console/locale -D messages

# Scripts the browser test kit injects into pages (axe-core), pinned by their package-lock.json.
BROWSER_ASSETS := libs/devkit/browser-assets
$(BROWSER_ASSETS)/node_modules/.installed: $(BROWSER_ASSETS)/package.json $(BROWSER_ASSETS)/package-lock.json
	@command -v npm >/dev/null || { echo "error: npm is missing (apt-get install -y npm)"; exit 1; }
	npm ci --prefix $(BROWSER_ASSETS) --no-audit --no-fund --silent
	@touch $@
browser-assets: $(BROWSER_ASSETS)/node_modules/.installed

setup: venv protos console-assets browser-assets
	@echo "setup done: $(VENV) with $(SERVICES); crmctl at $(VENV)/bin/crmctl"

infra-run:
	@scripts/ensure-infra.sh rabbitmq
infra-test:
	@scripts/ensure-infra.sh rabbitmq postgres promtool chromium

# ---------------------------------------------------------------- run
run: setup infra-run
	$(VENV)/bin/crm-dev run

# A realistic company seeded into make run's platform through its public APIs (docs/operations.md,
# "Demo company"); starts the platform in the background when nothing answers on its ports and
# leaves it running. CRM_DEMO_ARGS passes options, e.g. CRM_DEMO_ARGS="--leads 500 --months 6".
.PHONY: demo
demo: setup infra-run
	$(VENV)/bin/crm-dev demo $(CRM_DEMO_ARGS)

# ---------------------------------------------------------------- test
test: lint infra-test
	$(PYTEST) --timeout=$(TEST_TIMEOUT) -q libs services tests cli deploy

# The whole platform under faults: docs/reliability.md, "make chaos". Its own databases and
# vhost; CRM_CHAOS_BROKER_RESTART=1 / CRM_CHAOS_PG_RESTART=1 also restart the machine's servers.
CHAOS_TIMEOUT ?= 1500
chaos: setup infra-test
	$(PYTEST) --timeout=$(CHAOS_TIMEOUT) -q -s chaos

# 50 SIGTERMs to a busy worker, each stopping within 10 s with nothing lost.
chaos-worker-stop: setup infra-test
	CRM_WORKER_STOP_ROUNDS=50 $(PYTEST) -q \
		libs/chassis/tests/events/test_worker_stop_integration.py

test-unit: setup
	$(PYTEST) -q -m "not integration" libs services cli deploy

# ---------------------------------------------------------------- quality
# make lint = ruff check + ruff format --check + mypy + lint-imports + buf lint + buf breaking
# + the Dockerfiles (hadolint from requirements-dev.txt, then deploy/docker/lint.py: digests,
# one image per process kind, HEALTHCHECK on the api's only)
# (tool settings: pyproject.toml; the same checks run as pre-commit hooks, .pre-commit-config.yaml).
#
# Paths left out of a check, each listed by name (everything else is checked):
# - ruff check skips RUFF_CHECK_SKIP;
# - ruff format --check skips RUFF_FORMAT_SKIP (`ruff format <path>` formats a path; a formatted
#   path leaves the list);
# - mypy checks crm_chassis, crm_devrun, crm_testkit and the domain and service layer of every
#   service except those in MYPY_SKIP_SERVICES (a service leaves the list once `make mypy` passes with it).
RUFF_CHECK_SKIP :=
RUFF_FORMAT_SKIP :=
MYPY_SKIP_SERVICES :=

MYPY_SERVICES := $(filter-out $(MYPY_SKIP_SERVICES),$(SERVICES))
MYPY_PACKAGES := crm_chassis crm_devrun crm_testkit $(foreach s,$(MYPY_SERVICES),crm_$(s).domain crm_$(s).service_layer)
# Sources by folder, as mypy resolves the packages named above (the venv's editable installs are
# import hooks mypy does not follow); gen/python holds the generated protos and their stubs.
MYPYPATH := $(subst $(space),:,libs/chassis libs/devkit $(addprefix services/,$(SERVICES)) cli gen/python)
BUF := .tools/node_modules/.bin/buf
# buf breaking compares protos/ with the last release tag (the repository's git directory, which
# a worktree shares).
# The last release the protos stay compatible with: its tag, or, in a clone without tags, the
# commit protos/RELEASED records for it (one line per release: tag, commit).
RELEASE_TAG = $(shell git describe --tags --abbrev=0 2>/dev/null)
RELEASE_AGAINST = $(if $(RELEASE_TAG),tag=$(RELEASE_TAG),ref=$(shell tail -1 protos/RELEASED | cut -d' ' -f2))

lint: lint-ruff lint-format mypy lint-imports lint-protos lint-docker

lint-ruff: setup
	$(VENV)/bin/ruff check --extend-exclude "$(subst $(space),$(comma),$(RUFF_CHECK_SKIP))" .

lint-format: setup
	$(VENV)/bin/ruff format --check --extend-exclude "$(subst $(space),$(comma),$(RUFF_FORMAT_SKIP))" .

mypy: setup
	MYPYPATH=$(MYPYPATH) $(VENV)/bin/mypy $(addprefix -p ,$(MYPY_PACKAGES))

lint-imports: setup
	$(VENV)/bin/lint-imports --no-cache

lint-docker: setup
	$(VENV)/bin/hadolint deploy/docker/base.Dockerfile $(wildcard services/*/Dockerfile)
	$(PY) deploy/docker/lint.py

$(BUF):
	mkdir -p .tools && cd .tools && npm install --silent --no-audit --no-fund @bufbuild/buf@1.75.0 >/dev/null

lint-protos: $(BUF)
	$(BUF) lint
	$(BUF) breaking --against "$$(git rev-parse --git-common-dir)#$(RELEASE_AGAINST)"

# ---------------------------------------------------------------- bench
bench: setup infra-test
	$(PY) -m bench.run

deploy-render: setup
	$(PY) deploy/k8s/generate.py && $(PY) deploy/observability/generate.py

clean:
	rm -rf $(VENV) gen data .tools
