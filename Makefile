# journeysync — every target sets itself up from nothing and says what it is doing.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUN_STAMP := $(VENV)/.installed-local

.PHONY: help install lint typecheck cfn-lint imports unit test demo dev bench clean

help:
	@echo "make test   - set up .venv, then ruff, mypy, cfn-lint and the whole test suite"
	@echo "make demo   - set up .venv, then run a realistic day of a membership organisation through the local stack"
	@echo "make bench  - set up .venv, then run the benchmarks in bench/ (never part of make test)"
	@echo "make dev    - set up .venv, then start the local stack (journeysync dev) in the foreground"

$(BIN)/python:
	@echo "==> creating virtualenv $(VENV) with $(PYTHON)"
	@$(PYTHON) -m venv $(VENV)

# new function packages need a fresh editable install to be importable, hence functions/*/__init__.py
$(STAMP): pyproject.toml $(wildcard functions/*/__init__.py) | $(BIN)/python
	@echo "==> installing journeysync with its dev extra into $(VENV)"
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet --no-compile -e '.[dev]'
	@touch $(STAMP) $(RUN_STAMP)

# the demo and the dev stack need only the runtime and the local extra (no linters, no stubs): a faster first run
$(RUN_STAMP): pyproject.toml $(wildcard functions/*/__init__.py) | $(BIN)/python
	@echo "==> installing journeysync with its local-stack extra into $(VENV)"
	@$(BIN)/python -m pip install --quiet --no-compile -e '.[local]'
	@touch $(RUN_STAMP)

install: $(STAMP)

lint: $(STAMP)
	@echo "==> ruff"
	@$(BIN)/ruff check shared functions infra tests $(wildcard bench)

typecheck: $(STAMP)
	@echo "==> mypy (strict on the shared layer)"
	@$(BIN)/mypy shared/journeysync infra/journeysync_cli infra/journeysync_local $(wildcard functions/*/) $(wildcard bench/)

# the import contracts in pyproject.toml: handler → hop logic → store/connectors → models/config
imports: $(STAMP)
	@echo "==> import-linter (layer contracts)"
	@$(BIN)/lint-imports --no-cache

cfn-lint: $(STAMP)
	@echo "==> cfn-lint template.yaml"
	@$(BIN)/cfn-lint template.yaml

# headless Chromium renders the HTML report and the survey pages in the browser tests (Debian's package)
CHROMIUM := /usr/bin/chromium

$(CHROMIUM):
	@echo "==> installing Debian's chromium for the headless browser tests"
	@apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

test: lint typecheck cfn-lint imports $(CHROMIUM)
	@echo "==> pytest"
	@$(BIN)/python -m pytest -n 2 --dist loadgroup -q

demo: $(RUN_STAMP)
	@echo "==> journeysync demo (a day of the Riverside Museum through the local stack)"
	@$(BIN)/journeysync demo

dev: $(RUN_STAMP)
	@$(BIN)/journeysync dev

bench: $(STAMP)
	@echo "==> benchmarks (bench/)"
	@$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .aws-sam
