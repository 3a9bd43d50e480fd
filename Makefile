# civicpoints — the two commands: `make run` and `make test`.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
SEED_SCALE ?= 1.0
export DJANGO_SETTINGS_MODULE := civicpoints.settings

.PHONY: run test lint install lock migrate seed clean bench bench-quick bench-deps bench-http bench-district e2e-deps e2e loadtest

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Installs are reproducible: every package at the version and hash pinned in
# requirements.lock (made by `make lock` from pyproject.toml's dependencies + dev extra),
# then civicpoints itself without resolving anything again.
$(VENV)/.installed: pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

install: $(VENV)/.installed

## make lock: re-pin requirements.lock after changing dependencies in pyproject.toml
## (LOCK_UPGRADE=1 also moves every pin to the newest allowed version)
lock: | $(BIN)/python
	$(BIN)/pip install --quiet 'pip-tools>=7.4,<8'
	$(BIN)/pip-compile --quiet --extra dev --generate-hashes --allow-unsafe --strip-extras \
	  --no-emit-index-url --no-emit-find-links $(if $(LOCK_UPGRADE),--upgrade) \
	  --output-file requirements.lock pyproject.toml

## make run: the platform on SQLite with the demo town, at http://127.0.0.1:8000/
run: install
	DEBUG=1 $(BIN)/python manage.py migrate --no-input -v 0
	DEBUG=1 $(BIN)/python manage.py load_rule_catalog
	DEBUG=1 $(BIN)/python manage.py seed_town --if-empty --scale $(SEED_SCALE)
	@echo ""
	@echo "civicpoints is starting at http://$(HOST):$(PORT)/  (logins above; see README)"
	@echo ""
	@# the periodic jobs (daily rankings, reminders, expiries) and the task queue's worker
	@# (SMS/WeChat sends, in the same SQLite database) run beside the web server
	DEBUG=1 $(BIN)/python manage.py run_jobs & JOBS=$$!; \
	  DEBUG=1 $(BIN)/python manage.py db_worker --interval 1 & WORKER=$$!; \
	  trap 'kill $$JOBS $$WORKER 2>/dev/null' EXIT INT TERM; \
	  DEBUG=1 $(BIN)/python manage.py runserver $(HOST):$(PORT)

## make e2e-deps: what the browser tests need — Debian's Chromium (apt) and axe-core (npm)
CHROMIUM ?= /usr/bin/chromium
AXE_VERSION ?= 4.14.1
E2E_DIR := var/e2e
e2e-deps:
	@# a Chinese font so that the screenshots in var/e2e/ show the Chinese pages
	@test -x $(CHROMIUM) || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei; }
	@command -v npm >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm
	@test -f $(E2E_DIR)/node_modules/axe-core/axe.min.js || { mkdir -p $(E2E_DIR) && \
	  npm install --silent --no-audit --no-fund --prefix $(E2E_DIR) axe-core@$(AXE_VERSION); }

## make e2e: only the browser journeys and accessibility checks (screenshots in var/e2e/)
e2e: install e2e-deps
	$(BIN)/pytest -m e2e

## make test: lint, security scan (bandit), type check (mypy), dependency audit (pip-audit),
## the layer contract (import-linter), then the whole suite (on PostgreSQL when
## DATABASE_URL points at one)
test: install e2e-deps bench-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -q -c pyproject.toml -r civicpoints scripts
	$(BIN)/mypy
	$(BIN)/python scripts/pip_audit.py
	$(BIN)/lint-imports --no-cache
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run -v 0
	$(BIN)/pytest

## make bench-deps: the HTTP load generator, wrk (Debian's package)
bench-deps:
	@command -v wrk >/dev/null || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }

## make bench: speed against the machine's raw limits (SQLite; PostgreSQL too with DATABASE_URL)
bench: install bench-deps
	$(BIN)/python -m bench

bench-quick: install bench-deps
	$(BIN)/python -m bench --quick

## make bench-district: 30 towns and 1,000,000 residents with a year of ledger on PostgreSQL
## (DISTRICT_URL, default the database "district" on 127.0.0.1, dropped after; about 25 min)
bench-district: install
	$(BIN)/python -m bench.district

## make bench-http: only the HTTP section, on one freshly seeded demo town (BENCH_SCALE)
bench-http: install bench-deps
	$(BIN)/python -m bench --only=http

## make loadtest: 200 users for 60 s against gunicorn + PostgreSQL on 127.0.0.1 (loadtest/run.py)
loadtest: install
	$(BIN)/pip install --quiet -e '.[load]'
	$(BIN)/python -m loadtest.run

lint: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var
