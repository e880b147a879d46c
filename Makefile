# assistants-reconciler: the two set-up commands are `make demo` and `make test`.
# Both install what they need into a virtual environment under the repository.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
RECON  := $(VENV)/bin/reconciler
STAMP  := $(VENV)/.installed

.PHONY: install demo test lint typecheck schemas bench-emulator clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,dev]'
	touch $(STAMP)

install: $(STAMP)

## demo: validate the example manifests and show what would be sent to the API.
demo: install
	$(RECON) validate manifests/
	$(RECON) render manifests/ --kind Assistant --kind Agent

## test: the whole suite (lint included), from a fresh clone.
test: install
	$(VENV)/bin/ruff check reconciler tests
	$(PY) -m pytest -q

lint: install
	$(VENV)/bin/ruff check reconciler tests

typecheck: install
	$(VENV)/bin/mypy reconciler

## schemas: regenerate the published JSON Schemas from the pydantic models.
schemas: install
	$(RECON) schema export --out schemas

## bench-emulator: 500 req/s of mixed reads and writes against the emulator; prints latencies.
bench-emulator: install
	$(PY) bench/emulator.py --rate 500 --seconds 20

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .mypy_cache .ruff_cache
