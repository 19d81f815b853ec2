# The README's two commands: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-postgres install install-test browser lint check bench bench-reputation messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## make run: set up, migrate, load the demo content, serve on 127.0.0.1:8000 with a worker
# The worker (background tasks and, every minute, the periodic jobs) runs beside the web
# server; Ctrl-C stops both (the trap also stops the worker if the server exits alone).
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@$(BIN)/python manage.py worker & WORKER=$$!; \
	  trap 'kill $$WORKER 2>/dev/null; wait $$WORKER 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/python manage.py runserver $(HOST):$(PORT)

## browser: Debian's Chromium for the real-browser tests (installed when missing)
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests..."; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# The browser tests and the other transactional tests (marked flushes_db) run in a pass of
# their own: their database flush empties the rows that migrations create, which the
# other tests on the same worker need.
# Exit code 5 (nothing selected, e.g. PYTEST_ARGS names one folder) is not a failure.
PYTEST := $(BIN)/python -m pytest -n 2 --dist loadfile
# The browser tests restore those rows (serialized rollback), which fails once a plain
# flush has re-created the content types in the same database, so they run in a pass of
# their own before the other transactional tests (pytest-xdist hands out the largest test
# files first, whatever order the collection hook sets).
define run_suite
	$(PYTEST) -m "not e2e and not flushes_db" $(PYTEST_ARGS) || [ $$? -eq 5 ]
	$(PYTEST) -m "e2e" $(PYTEST_ARGS) || [ $$? -eq 5 ]
	$(PYTEST) -m "flushes_db and not e2e" $(PYTEST_ARGS) || [ $$? -eq 5 ]
endef

## make test: install what the tests need and run the whole suite
test: install-test browser
	$(run_suite)

test-postgres: export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
test-postgres: install-test browser
	$(run_suite)

lint: install-test
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/lint-imports

check: install-test
	$(BIN)/python manage.py check
	DJANGO_SETTINGS_MODULE=config.settings.production REDIS_URL=redis://127.0.0.1:6379/0 \
	  SECRET_KEY=$$($(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))") \
	  $(BIN)/python manage.py check --deploy --fail-level WARNING
	$(BIN)/python manage.py makemigrations --check --dry-run

## make bench: seed 10,000 threads and load-test the pages (see README)
bench: install-test
	$(BIN)/python tests/bench/run_bench.py $(BENCH_ARGS)

## make bench-reputation: time the reputation rebuild over 100,000 ledger rows (throwaway DB)
bench-reputation: install-test
	$(BIN)/python tests/bench/bench_reputation.py $(BENCH_ARGS)

messages: install
	cd $(CURDIR) && $(BIN)/python manage.py makemessages -l de -l it -l pl -l ru --ignore=.venv --ignore=tests
	cd $(CURDIR) && $(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) staticfiles
