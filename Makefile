# Two commands: `make run` runs the product, `make test` runs the test suite.
# Both create .venv and install what they need on first use (again when requirements change).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test lint format bench install install-dev clean

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

install: $(VENV)/.installed-base
install-dev: $(VENV)/.installed-dev

## Run the whole product on embedded defaults (SQLite, embedded Redis, daphne, one worker per queue, beat).
run: install
	$(PY) scripts/devstack.py

## Run the whole test suite (starts its own Redis; SQLite unless DATABASE_URL is set).
test: install-dev
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install-dev
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

## Benchmarks print their figures; see bench/README.md.
bench: install-dev
	$(PY) bench/job_latency.py

clean:
	rm -rf $(VENV) var/static .pytest_cache .ruff_cache
