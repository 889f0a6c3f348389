# Everyday commands. `make setup` is safe to run again and again: it only does what is missing.
#
#   make demo          set up, load the demo data, serve http://127.0.0.1:8000/
#   make test          the whole test suite (extra pytest arguments: PYTEST_ARGS="-k ledger -x")
#   make test-browser  only the browser tests (Playwright driving /usr/bin/chromium)
#   make lint          ruff check, ruff format --check, no missing migrations
#   make security      security tests; schemathesis with 50 cases per operation, three roles
#   make format        let ruff fix what it can and reformat
#   make worker/beat   Celery worker / scheduler (need CELERY_BROKER_URL)
#   make check-ledger  does every lot's stock add up?
#   make bench         the five benchmarks against raw baselines (PostgreSQL + Redis DB 7)

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-from-pyproject
MANAGE := $(BIN)/python manage.py
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help setup demo migrate test test-browser lint format security worker beat check-ledger translations bench

help:
	@sed -n 's/^#   //p' Makefile

setup: $(STAMP) .env translations
	@mkdir -p var

# A virtual environment with pip. Debian's python3.11 needs the python3.11-venv package for this;
# a half-made .venv (venv failed before pip was in place) is removed so the next run starts clean.
$(BIN)/pip:
	@command -v $(PYTHON) >/dev/null 2>&1 || { \
	  echo "error: $(PYTHON) not found. Install Python 3.11 (Debian 12: apt-get install python3.11 python3.11-venv)." >&2; \
	  exit 1; }
	$(PYTHON) -m venv $(VENV) || { \
	  rm -rf $(VENV); \
	  echo "error: '$(PYTHON) -m venv' failed. On Debian: apt-get install python3.11-venv" >&2; \
	  exit 1; }

# Reinstall only when pyproject.toml changed since the last install.
$(STAMP): pyproject.toml | $(BIN)/pip
	$(BIN)/pip install --disable-pip-version-check -e '.[dev]'
	@touch $@

# Written once, never overwritten: a fresh secret key for this checkout (.env is gitignored).
.env: | $(BIN)/pip
	@umask 077 && { \
	  $(BIN)/python -c 'import secrets; print("SECRET_KEY=" + secrets.token_urlsafe(50))'; \
	  echo 'ALLOWED_HOSTS=localhost,127.0.0.1,[::1]'; \
	} > $@.tmp && mv $@.tmp $@
	@echo "Wrote .env with a new SECRET_KEY."

# Compiled catalogues (.mo) are not in git: gettext's msgfmt compiles them, or Babel (a dev
# dependency) where gettext is not installed, so a fresh machine gets Dutch pages either way.
translations: $(STAMP) .env
	@if [ -d locale ]; then \
	  if command -v msgfmt >/dev/null 2>&1; then \
	    $(MANAGE) compilemessages --ignore=.venv --ignore=var --verbosity=0; \
	  else \
	    $(BIN)/pybabel -q compile --directory=locale --domain=django; \
	  fi; \
	fi

# The demo runs with DEBUG=true: development defaults, static files served without collectstatic.
demo: setup
	DEBUG=true $(MANAGE) migrate --noinput
	DEBUG=true $(MANAGE) load_demo
	DEBUG=true $(MANAGE) runserver 127.0.0.1:8000

migrate: setup
	$(MANAGE) migrate --noinput

# pytest's exit code 5 means no test was collected: make fails on it like on any other non-zero.
test: setup
	@$(BIN)/pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "error: pytest collected no tests" >&2; fi; \
	exit $$rc

# Browser tests need Debian's Chromium (apt-get install chromium); without it they are skipped
# (failed with CI=true). A failing test leaves a screenshot in var/test-screenshots/.
test-browser: setup
	@$(BIN)/pytest -m browser $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "error: pytest collected no browser tests" >&2; fi; \
	exit $$rc

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run

# The security run: check --deploy, headers and CSP, the permission matrix, rate limits, and
# Schemathesis over the whole API with more cases (SCHEMATHESIS_MAX_EXAMPLES, 50 here) signed in
# as a ministry officer, an inspector and a hospital's staff. Long: tens of minutes.
SCHEMATHESIS_MAX_EXAMPLES ?= 50
SCHEMATHESIS_ROLES ?= ministry officer,inspector,hospital staff
security: setup
	@SCHEMATHESIS_MAX_EXAMPLES=$(SCHEMATHESIS_MAX_EXAMPLES) SCHEMATHESIS_ROLES="$(SCHEMATHESIS_ROLES)" \
	  $(BIN)/pytest $(PYTEST_ARGS) tests/test_security_settings.py tests/test_permission_matrix.py \
	    tests/test_security_uploads.py tests/test_security_rate_limits.py \
	    tests/test_login_rate_limit.py tests/procurement/api/test_tokens.py \
	    tests/api/test_schemathesis.py; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "error: pytest collected no security tests" >&2; fi; \
	exit $$rc

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

worker: setup
	$(BIN)/celery -A config worker --loglevel=INFO

beat: setup
	$(BIN)/celery -A config beat --loglevel=INFO --schedule=var/celerybeat-schedule

check-ledger: setup
	$(MANAGE) check_ledger

# PostgreSQL (a server where databases tracker_bench_* may be created and dropped) and Redis
# (DB 7 only). A table on the terminal, the figures in var/bench.json. BENCH_ARGS="--only 3".
BENCH_DATABASE_URL ?= $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/tracker_bench)
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/7
BENCH_ARGS ?=
bench: setup
	@case "$(BENCH_DATABASE_URL)" in postgres*) ;; *) \
	  echo "error: make bench needs PostgreSQL: DATABASE_URL=postgres://user@host:5432/tracker_bench" >&2; \
	  exit 2;; esac
	DATABASE_URL=$(BENCH_DATABASE_URL) BENCH_REDIS_URL=$(BENCH_REDIS_URL) $(BIN)/python -m bench $(BENCH_ARGS)
