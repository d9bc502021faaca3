# `make run` and `make test` each set up everything they need on a fresh clone.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run sandbox test lint check bench mutation clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m bot run

sandbox: $(STAMP)
	$(PY) -m sandbox

lint: $(STAMP)
	$(PY) -m ruff check .

# The layers' rules: types (mypy, on bot/ and cogs/) and imports (import-linter, the
# contracts in pyproject.toml).
check: lint
	$(PY) -m mypy
	$(VENV)/bin/lint-imports

test: check
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) -m pip install --quiet -e '.[test,bench]'
	$(PY) -m bench

# Not part of `make test`: about half an hour on two cores, with one worker.
mutation: $(STAMP)
	$(PY) -m pip install --quiet -e '.[test,mutation]'
	$(PY) -m bench.mutation

clean:
	rm -rf mutants $(VENV) .pytest_cache .ruff_cache .hypothesis
