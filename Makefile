# Everything a developer runs. `make run` and `make test` set themselves up.
PYTHON_SYSTEM ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: run test test-postgres test-browser lint format schema seed bench clean

$(INSTALLED): pyproject.toml
	$(PYTHON_SYSTEM) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

## run: migrate, seed the database when empty, serve GraphiQL at http://$HOST:$PORT/graphql
run: $(INSTALLED)
	$(PY) -m seed
	$(PY) -m api

## test: the whole suite (SQLite by default; TEST_DATABASE_URL picks PostgreSQL)
test: $(INSTALLED)
	$(PY) -m pytest $(PYTEST_ARGS)

## test-postgres: the whole suite on the local PostgreSQL (in databases `test_<random>`, dropped after)
test-postgres: $(INSTALLED)
	TEST_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/test $(PY) -m pytest $(PYTEST_ARGS)

## test-browser: the README's example through GraphiQL in headless Chromium (installs both)
test-browser: $(INSTALLED)
	VENV=$(VENV) scripts/install-browser.sh
	$(PY) -m pytest -m browser $(PYTEST_ARGS)

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(INSTALLED)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## schema: re-export schema.graphql after changing the API
schema: $(INSTALLED)
	$(PY) -c 'from api.schema import schema; print(schema.as_str())' > schema.graphql

## seed: load the curated catalogue; TITLES=N adds N synthetic titles
seed: $(INSTALLED)
	$(PY) -m seed --titles $(or $(TITLES),0)

## bench: Reelgraph vs PostGraphile vs a bare HTTP ceiling under wrk -> bench/RESULTS.md
## (BENCH_TITLES=N catalogue size; BENCH_ARGS="--ref HEAD --repeat 1 ..." see bench/README.md)
bench: $(INSTALLED)
	$(PY) -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) reelgraph.db reelgraph.db-wal reelgraph.db-shm .pytest_cache .ruff_cache .mypy_cache .hypothesis
