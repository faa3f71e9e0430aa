# Meedoen: `make demo` runs the demo, `make test` runs every check. Both install what they need.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help demo serve test lint types imports migrations-check schema-check schema messages \
        pytest browser-deps bench screenshots lock clean

help:
	@echo "make demo   set up and serve the demo on http://$(HOST):$(PORT) (SQLite, tasks in-process)"
	@echo "make test   set up and run lint, types, import layers, migrations check, API schema check and all tests"
	@echo "make bench  run the benchmarks (see docs/benchmarks.md)"
	@echo "make schema regenerate docs/api/openapi.yaml;  make screenshots  regenerate docs/screenshots"

# --- set-up -----------------------------------------------------------------------------------
$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found); set PYTHON=..."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.base-installed: requirements/base.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/base.txt
	touch $@

$(VENV)/.dev-installed: requirements/dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/dev.txt
	touch $@ $(VENV)/.base-installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Compiled translations are build output, not source.
messages: $(VENV)/.base-installed
	@command -v msgfmt >/dev/null || { apt-get update -qq && apt-get install -y -qq gettext >/dev/null; }
	cd src/meedoen && ../../$(BIN)/python ../../manage.py compilemessages --verbosity 0

browser-deps:
	@command -v chromium >/dev/null || { echo "Installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# --- the demo -----------------------------------------------------------------------------------
demo: $(VENV)/.base-installed node_modules/.installed messages
	$(MANAGE) migrate --verbosity 0
	$(MANAGE) load_demo --site http://$(HOST):$(PORT)
	$(MANAGE) demo_witness
	@echo "Serving http://$(HOST):$(PORT)/  (stop with Ctrl+C)"
	$(MANAGE) runserver $(HOST):$(PORT)

# --- checks and tests -----------------------------------------------------------------------------
test: $(VENV)/.dev-installed node_modules/.installed messages browser-deps lint types imports migrations-check schema-check pytest

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check src tests bench conftest.py manage.py
	$(BIN)/ruff format --check src tests bench conftest.py manage.py

types: $(VENV)/.dev-installed
	$(BIN)/mypy src manage.py bench conftest.py

imports: $(VENV)/.dev-installed
	PYTHONPATH=src $(BIN)/lint-imports

migrations-check: $(VENV)/.dev-installed
	DJANGO_SETTINGS_MODULE=meedoen.conf.test $(MANAGE) makemigrations --check --dry-run --verbosity 1

schema-check: $(VENV)/.dev-installed
	@DJANGO_SETTINGS_MODULE=meedoen.conf.test $(MANAGE) spectacular --lang en --validate --fail-on-warn --file $(VENV)/openapi.yaml
	@diff -u docs/api/openapi.yaml $(VENV)/openapi.yaml || { echo "docs/api/openapi.yaml is out of date: run make schema"; exit 1; }
	@echo "OpenAPI schema matches docs/api/openapi.yaml"

schema: $(VENV)/.dev-installed
	DJANGO_SETTINGS_MODULE=meedoen.conf.test $(MANAGE) spectacular --lang en --validate --fail-on-warn --file docs/api/openapi.yaml

pytest: $(VENV)/.dev-installed node_modules/.installed messages browser-deps
	bin/run-pytest $(PYTEST_ARGS)

# --- the rest ---------------------------------------------------------------------------------------
bench: $(VENV)/.dev-installed messages
	$(BIN)/python -m bench

screenshots: $(VENV)/.dev-installed node_modules/.installed messages browser-deps
	$(BIN)/python -m tests.browser.screenshots

lock: | $(BIN)/python
	$(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links requirements/base.in -o requirements/base.txt
	$(BIN)/pip-compile --quiet --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links requirements/dev.in -o requirements/dev.txt

clean:
	rm -rf $(VENV) node_modules var
