# journeysync — every target sets itself up from nothing and says what it is doing.
SHELL := /bin/bash
# The suite runs on the Lambda runtime's Python minor (python3.13): pyenv's if there is one, else the PATH's.
PY_MINOR := 3.13
PYTHON ?= $(shell p=$$(pyenv prefix $(PY_MINOR) 2>/dev/null) && echo $$p/bin/python$(PY_MINOR) || command -v python$(PY_MINOR))
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUN_STAMP := $(VENV)/.installed-local

.PHONY: help install lint typecheck cfn-lint imports unit test demo dev bench clean build lock deploy delete fuzz

help:
	@echo "make test   - set up .venv, then ruff, mypy, cfn-lint and the whole test suite"
	@echo "make demo   - set up .venv, then run a realistic day of a membership organisation through the local stack"
	@echo "make bench  - set up .venv, then run the benchmarks in bench/ (never part of make test)"
	@echo "make dev    - set up .venv, then start the local stack (journeysync dev) in the foreground"
	@echo "make build  - set up .venv, then sam build (compiled layers from the hashed locks) into .aws-sam/"
	@echo "make deploy - make build, then sam deploy (--guided the first time) to the stack named in samconfig.toml"
	@echo "make delete - sam delete: remove the deployed stack (the table and the archive bucket are kept)"
	@echo "make lock   - re-pin the layers' requirements.lock files (hashed) from their requirements.txt"
	@echo "make fuzz   - 10,000 schemathesis + signed hostile requests through the local stack; prints cases and 5xx"

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "make: no python$(PY_MINOR) found (pyenv install $(PY_MINOR), or make PYTHON=/path/to/python$(PY_MINOR))"; exit 1; }
	@echo "==> creating virtualenv $(VENV) with $(PYTHON)"
	@$(PYTHON) -m venv $(VENV)
	@$(BIN)/python -c 'import sys; v="%d.%d" % sys.version_info[:2]; sys.exit(0 if v == "$(PY_MINOR)" else "make: $(VENV) would run Python " + v + ", the Lambda runtime is $(PY_MINOR)")' \
	  || { rm -rf $(VENV); exit 1; }

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
	@echo "==> cfn-lint template.yaml, sam validate --lint"
	@$(BIN)/cfn-lint template.yaml
	@$(SAM) validate --lint --region $${AWS_REGION:-$${AWS_DEFAULT_REGION:-eu-west-2}} >/dev/null

# SAM runs the makefiles of shared/, functions/ and layers/report/ with the venv's Python (the runtime's minor)
SAM := SAM_CLI_TELEMETRY=0 PATH="$(CURDIR)/$(BIN):$$PATH" PYTHON="$(CURDIR)/$(BIN)/python" $(BIN)/sam
LOCKS := shared/requirements.lock layers/report/requirements.lock

build: $(STAMP)
	@echo "==> sam build (python$(PY_MINOR), arm64, bytecode compiled) into .aws-sam/build"
	@$(SAM) build

lock: $(STAMP)
	@for lock in $(LOCKS); do echo "==> $$lock"; \
	  $(BIN)/uv pip compile $${lock%.lock}.txt --generate-hashes --python-version $(PY_MINOR) \
	    --python-platform aarch64-manylinux_2_28 --no-header --no-annotate --quiet -o $$lock.new \
	  && { sed -n '1,2{/^#/p}' $$lock; cat $$lock.new; } > $$lock.tmp && rm $$lock.new && mv $$lock.tmp $$lock; done

# the first deploy asks for the parameters (sender address, alarm email, …) and saves them in samconfig.toml
deploy: build
	@if grep -q '^parameter_overrides' <(sed -n '/^\[default.deploy.parameters\]/,/^\[/p' samconfig.toml); then \
	  echo "==> sam deploy (stack and parameters from samconfig.toml)"; $(SAM) deploy; \
	else echo "==> sam deploy --guided (first deploy: answers are saved in samconfig.toml)"; $(SAM) deploy --guided; fi

delete: $(STAMP)
	@$(SAM) delete

# headless Chromium renders the HTML report and the survey pages in the browser tests (Debian's package)
CHROMIUM := /usr/bin/chromium

$(CHROMIUM):
	@echo "==> installing Debian's chromium for the headless browser tests"
	@apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

# two pytest workers per core: the e2e tests spend about half their time waiting on the local stack's queues
TEST_WORKERS ?= $(shell echo $$(( 2 * $$(nproc 2>/dev/null || echo 1) )))

test: lint typecheck cfn-lint imports $(CHROMIUM)
	@echo "==> pytest ($(TEST_WORKERS) workers)"
	@$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup -q

demo: $(RUN_STAMP)
	@echo "==> journeysync demo (a day of the Riverside Museum through the local stack)"
	@$(BIN)/journeysync demo

dev: $(RUN_STAMP)
	@$(BIN)/journeysync dev

# schemathesis (both OpenAPI documents) + validly signed hostile deliveries through the local stack's handlers;
# prints "fuzz: <cases> cases, <n> 5xx (...)". FUZZ_CASES / FUZZ_SEED to change the run.
FUZZ_CASES ?= 10000
FUZZ_SEED ?= 15

fuzz: $(STAMP)
	@echo "==> fuzz ($(FUZZ_CASES) cases, seed $(FUZZ_SEED))"
	@JOURNEYSYNC_FUZZ_CASES=$(FUZZ_CASES) JOURNEYSYNC_FUZZ_SEED=$(FUZZ_SEED) $(BIN)/python -m pytest \
		tests/e2e/test_fuzz.py -q -s --no-header -p no:randomly -p no:cacheprovider --timeout=0

bench: $(STAMP)
	@echo "==> benchmarks (bench/)"
	@$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .aws-sam
