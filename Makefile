# assistants-reconciler: the two set-up commands are `make demo` and `make test`.
# Both install what they need into a virtual environment under the repository.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
RECON  := $(VENV)/bin/reconciler
STAMP  := $(VENV)/.installed

.PHONY: install demo test docs lint typecheck schemas cel-tables models-data bench-emulator bench-plan bench-files bench-startup bench-chaos bench-usage clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[emulator,ui,test,dev,docs]'
	touch $(STAMP)

install: $(STAMP)

DEMO_DIR := .reconciler/demo

## demo: validate manifests/, start an emulator of its own on a fresh state (in
## .reconciler/demo: an emulator you started with `reconciler emulator start` is neither
## stopped nor used), plan and apply, show that a second plan is empty, seed a month of agent
## sessions and show their usage, stop it, and say how to open the dashboard on it. It never
## talks to OpenAI: the base URL and key are pinned to its emulator whatever the environment
## holds.
demo: install
	$(RECON) validate manifests/
	@$(RECON) emulator stop --dir $(DEMO_DIR) >/dev/null
	@rm -rf $(DEMO_DIR)
	$(RECON) emulator start --dir $(DEMO_DIR) --index-delay 0.1
	@set -e; trap '$(RECON) emulator stop --dir $(DEMO_DIR) >/dev/null' EXIT; \
	url=$$($(RECON) emulator url --dir $(DEMO_DIR)); \
	export OPENAI_API_KEY=emulator; unset OPENAI_BASE_URL OPENAI_ORG_ID OPENAI_PROJECT_ID; \
	echo; echo "== reconciler plan --base-url $$url"; $(RECON) plan --base-url $$url; \
	echo; echo "== reconciler apply --auto-approve --base-url $$url"; \
	$(RECON) apply --auto-approve --base-url $$url; \
	echo; echo "== reconciler plan --detailed-exitcode --base-url $$url (exit 0: nothing left to do)"; \
	$(RECON) plan --detailed-exitcode --base-url $$url; \
	echo; echo "== reconciler emulator seed-usage, then reconciler usage --by model --base-url $$url"; \
	$(RECON) emulator seed-usage --dir $(DEMO_DIR); \
	$(RECON) usage --by model --base-url $$url; \
	echo; $(RECON) emulator stop --dir $(DEMO_DIR); \
	echo "That was the demo's own emulator (state in $(DEMO_DIR)); one you started with"; \
	echo "\`reconciler emulator start\` is left as it was. Open the dashboard on what the demo"; \
	echo "left (applied, with a month of seeded sessions), then stop that emulator:"; \
	echo "  $(RECON) emulator start --db $(DEMO_DIR)/emulator.sqlite && $(RECON) ui --emulator"; \
	echo "  $(RECON) emulator stop"

## test: the whole suite (lint and strict type checks included), from a fresh clone.
test: install
	$(VENV)/bin/ruff check reconciler openai_emulator tests bench docs
	$(VENV)/bin/mypy reconciler openai_emulator
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mkdocs build --strict --quiet
	$(PY) -m pytest -q -n auto --durations=15

## docs: build the documentation site (docs/, mkdocs.yml) into .reconciler/site, strictly:
## a broken link or anchor fails.
docs: install
	$(VENV)/bin/mkdocs build --strict

lint: install
	$(VENV)/bin/ruff check reconciler openai_emulator tests
	$(VENV)/bin/lint-imports

typecheck: install
	$(VENV)/bin/mypy reconciler openai_emulator

## schemas: regenerate the published JSON Schemas from the pydantic models.
schemas: install
	$(RECON) schema export --out schemas
	$(PY) -m reconciler.manifests.makeschemas

## cel-tables: rebuild the CEL parser's tables shipped in the package (after a Lark or celpy upgrade).
cel-tables: install
	$(PY) -m reconciler.kinds.policy.maketables

## models-data: regenerate the emulator's built-in models and prices from the reconciler's
## model calendar (reconciler/data/model-calendar.json), after editing the calendar.
models-data: install
	$(PY) -m reconciler.modelcalendar openai_emulator/data

## bench-emulator: 500 req/s of mixed reads and writes against the emulator; prints latencies.
bench-emulator: install
	$(PY) bench/emulator.py --rate 500 --seconds 20

## bench-plan: plan at 100/1,000/5,000 objects and apply of 200 creates, 50 ms latency.
bench-plan: install
	$(PY) bench/plan_apply.py

## bench-files: a store of 2,000 small files and one of a 200 MiB file: time, memory, and
## the requests of a re-apply with nothing changed.
bench-files: install
	$(PY) bench/files.py

## bench-usage: `reconciler usage` for 200 managed agents with 50,000 sessions: requests (bounded
## by the window's pages) and time at parallelism 1 and 8 (~1 min).
bench-usage: install
	$(PY) bench/usage.py

## bench-chaos: apply under 30% faults on reads and writes (7 kinds), 8 concurrent applies
## x 5 (and with --lock-timeout 0), 20 applies killed with SIGKILL then recovered; converged,
## duplicates, orphans, unmanaged objects changed, locks left, requests and time (~4 min).
bench-chaos: install
	$(PY) bench/chaos.py

## bench-startup: `reconciler --help` and `validate manifests/` as ratios to a bare interpreter.
bench-startup: install
	$(PY) bench/startup.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .mypy_cache .ruff_cache
