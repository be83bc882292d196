# Two commands on a fresh machine:
#   make run    serve the embedded default (SQLite, one process, console SMS, demo data) on :5000
#   make test   lint, type-check and run the whole suite on SQLite and again on PostgreSQL
SHELL := /bin/bash
PY := .venv/bin/python
FLASK := .venv/bin/flask --app wsgi
PYTEST := .venv/bin/pytest
TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/test
STAMP := .venv/.installed

.PHONY: run test test-fast setup lint pytest-sqlite pytest-postgres bench

$(STAMP): requirements.txt requirements-dev.txt package.json package-lock.json
	@test -x $(PY) || python3 -m venv .venv
	@.venv/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@npm ci --no-audit --no-fund --loglevel=error
	@touch $(STAMP)

setup: $(STAMP)
	@test -x /usr/bin/chromium || { echo "installing Debian's chromium for the browser tests"; \
	  (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || echo "could not install chromium"; }

run: $(STAMP)
	@$(FLASK) db upgrade
	@$(FLASK) demo seed
	@$(FLASK) demo history --days 30   # once: a later run finds the history and adds nothing
	@$(FLASK) serve --host 127.0.0.1 --port 5000

lint: $(STAMP)
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy

pytest-sqlite: setup
	$(PYTEST) -q

pytest-postgres: setup
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(PYTEST) -q

test: lint pytest-sqlite pytest-postgres

# For development only (CI runs `make test`, slow tests included): lint, then the SQLite suite
# without the tests marked slow (real servers, processes, browsers; `pytest --durations` finds them).
test-fast: lint
	$(PYTEST) -q -m "not slow"

bench: setup
	$(PY) bench/live_latency.py
	$(PY) bench/triage_eval_bench.py
	$(PY) bench/recommend_bench.py
