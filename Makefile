# Two commands: `make run` runs the product, `make test` runs the test suite.
# Both create .venv and install what they need on first use (again when requirements change).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test lint format bench fuzz-atheris install install-dev clean frontend frontend-test api-types

$(PY):
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Intelli needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed-base: requirements/base.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements/base.txt
	@touch $@

$(VENV)/.installed-dev: requirements/base.txt requirements/dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements/dev.txt
	@touch $@ $(VENV)/.installed-base

$(VENV)/.installed-fuzz: requirements/fuzz.txt $(VENV)/.installed-dev
	$(PY) -m pip install --quiet -r requirements/fuzz.txt
	@touch $@

install: $(VENV)/.installed-base
install-dev: $(VENV)/.installed-dev

## The web UI (frontend/): `npm ci` when the lock file changes, `npm run build` when a source does.
## Node.js 20 and npm are needed; without them the product runs with the API docs at / instead.
FRONTEND_SRC := $(shell find frontend/src frontend/index.html frontend/vite.config.ts frontend/tsconfig.json frontend/package.json -type f 2>/dev/null)
NPM_MISSING := echo "npm was not found: install Node.js 20 (with npm) to build and test the web UI (frontend/)."

frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	@command -v npm >/dev/null 2>&1 || { $(NPM_MISSING); exit 1; }
	cd frontend && npm ci --no-audit --no-fund
	@touch $@

frontend/node_modules/.built: frontend/node_modules/.installed $(FRONTEND_SRC)
	cd frontend && npm run build
	@touch $@

frontend:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory frontend/node_modules/.built; else $(NPM_MISSING); fi

## Vitest (reducer, socket client, components) in jsdom.
frontend-test:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory frontend/node_modules/.installed && cd frontend && npm test -- --run; else $(NPM_MISSING); fi

## Regenerate frontend/openapi.yml and the API types from it (a test fails when they drift).
api-types: install-dev frontend/node_modules/.installed
	$(PY) manage.py spectacular --validate --fail-on-warn --file frontend/openapi.yml
	cd frontend && npm run gen:api

## Run the whole product on embedded defaults (SQLite, embedded Redis, daphne, one worker per queue, beat).
run: install frontend
	$(PY) scripts/devstack.py

## Run the whole test suite (starts its own Redis; SQLite unless DATABASE_URL is set).
test: install-dev frontend-test frontend
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install-dev
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

## Benchmarks print their figures; see "Benchmarks" in README.md.
bench: install-dev
	$(PY) bench/job_latency.py

## Optional coverage-guided fuzzing of the parsers (atheris); bench/fuzz_parsers.py is the Hypothesis one.
fuzz-atheris: $(VENV)/.installed-fuzz
	$(PY) bench/fuzz_atheris.py

clean:
	rm -rf $(VENV) var/static .pytest_cache .ruff_cache
