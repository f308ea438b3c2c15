# gadget: the two quick-start commands are `make demo` and `make test`.
# Both set themselves up from nothing (a venv in .venv with gadget installed).

SHELL := /bin/bash
PYTHON ?= $(shell for p in python3.11 python3.12 python3.10 python3.13 python3; do \
	if command -v $$p >/dev/null && $$p -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then \
	command -v $$p; break; fi; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DOCS_STAMP := $(VENV)/.installed-docs
BENCH_STAMP := $(VENV)/.installed-bench
TIMED := tools/timed.sh

.PHONY: demo test tests lint typecheck docs package bench install clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "error: no Python >= 3.10 found; install one or set PYTHON=" >&2; exit 1; }
	$(TIMED) install bash -c '"$(PYTHON)" -m venv $(VENV) && $(BIN)/pip install -q --upgrade pip && $(BIN)/pip install -q -e ".[dev]"'
	@touch $(STAMP)

install: $(STAMP)

# the docs extra (mkdocs and its plugins) only for the docs and the tests, not for the demo
$(DOCS_STAMP): $(STAMP)
	$(TIMED) install-docs $(BIN)/pip install -q -e ".[dev,docs]"
	@touch $(DOCS_STAMP)

# the bench extra (matplotlib, for the picture) only for make bench
$(BENCH_STAMP): $(STAMP)
	$(TIMED) install-bench $(BIN)/pip install -q -e ".[dev,bench]"
	@touch $(BENCH_STAMP)

## demo: build a small studio in a local SQLite tracker and walk it
demo: $(STAMP)
	$(BIN)/gadget demo

lint: $(STAMP)
	$(TIMED) lint bash -c '$(BIN)/ruff check src tests tools benchmarks examples && $(BIN)/ruff format --check src tests tools benchmarks examples'

typecheck: $(STAMP)
	$(TIMED) typecheck $(BIN)/mypy

## docs: the documentation site in site/ (mkdocs.yml), warnings as errors: every link and anchor checked
docs: $(DOCS_STAMP)
	NO_MKDOCS_2_WARNING=1 $(TIMED) docs $(BIN)/mkdocs build --strict --quiet

## package: build the sdist and wheel, install the wheel in a fresh venv, run gadget from it
package: $(STAMP)
	BIN=$(BIN) $(TIMED) package bash tools/check-package.sh

## tests: pytest, with one real Kitsu server started for the session
tests: $(STAMP)
	BIN=$(BIN) tools/run-tests.sh

## test: the whole suite (lint, types, docs site, packaging, unit, contract, CLI, Kitsu)
test: lint typecheck docs package tests

## bench: gadget against plain gazu on a real Kitsu server (writes docs/benchmarks.md and .png)
bench: $(BENCH_STAMP)
	bash tools/install-system-deps.sh
	$(TIMED) bench $(BIN)/python benchmarks/run.py --output docs/benchmarks.md

clean:
	rm -rf $(VENV) site .pytest_cache .mypy_cache .ruff_cache gadget-demo.db* gadget-demo.files
