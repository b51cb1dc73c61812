# Monitor: set up, run and check the project.
#
#   make run    install, migrate, load the demo, serve on http://127.0.0.1:8000/
#   make test   install, lint, check migrations, install the wheel and serve a page from it,
#               run the tests on SQLite and on PostgreSQL, then the load and fault test
#   make bench  install, generate demo data, load-test the pages served by gunicorn
#   make lock   re-lock the dependencies in requirements/ after a change to pyproject.toml
#
# Needs python3 (with the venv module: apt-get install python3-venv on Debian) and, for
# `make test`, the PostgreSQL server (apt-get install postgresql; see scripts/with-postgres)
# and Debian's Chromium, Redis, Poppler and Pango for the tests (`make system-packages` installs
# them as root).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MANAGE := $(BIN)/python manage.py
# The locked dependencies (make lock): base.txt, what the site runs on; dev.txt, that and the
# tools for tests and lint, and the build backend for the editable install.
LOCK_BASE := requirements/base.txt
LOCK_DEV := requirements/dev.txt
# Only `make lock` uses it, from a throwaway virtualenv.
PIP_TOOLS := pip-tools==7.7.0
# Local development only: settings refuse to start without a secret key when debug is off.
DEV := DJANGO_DEBUG=1
# The test runs pick their own database; ignore any DATABASE_URL in the caller's environment.
NO_DB_URL := env -u DATABASE_URL
# The browser tests drive this Chromium (tests/browser/conftest.py); Playwright downloads none.
CHROMIUM := /usr/bin/chromium

.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
# `make test` runs its steps in order, even under `make -j`.
.NOTPARALLEL:

.PHONY: help venv install lock browser system-packages run test lint format check-migrations \
	test-wheel test-sqlite test-postgres test-load bench clean distclean

help:
	@echo "make run        install, migrate, load the demo data, serve on http://127.0.0.1:8000/"
	@echo "make test       lint, check migrations, test the wheel, run the tests on SQLite, then"
	@echo "                on PostgreSQL, then the load and fault test"
	@echo "make install    create $(VENV) and install the locked dependencies and the project"
	@echo "make lock       re-lock requirements/*.txt from pyproject.toml (UPGRADE=1: newest allowed)"
	@echo "make system-packages  install Debian's Chromium, Redis, Poppler and Pango, if missing"
	@echo "make bench      load-test the site served by gunicorn (scripts/load_benchmark.py);"
	@echo "                BENCH_DB=postgres for PostgreSQL"
	@echo "make test-wheel build the wheel, install it in a fresh virtualenv and serve a page from it"
	@echo "make lint       ruff check and ruff format --check"
	@echo "make format     ruff format and ruff check --fix"
	@echo "make clean      remove caches and build files (keeps $(VENV) and db.sqlite3)"
	@echo "make distclean  clean, and remove $(VENV) too"

venv install: $(STAMP)

# Re-install only when the lock or pyproject.toml changes: exactly the locked versions, each
# checked against its hash, then the project itself, editable, built by the locked hatchling.
# A venv left without pip (python3-venv missing) is removed so that the next run starts afresh.
$(STAMP): $(LOCK_DEV) pyproject.toml
	@if ! $(BIN)/python -m pip --version >/dev/null 2>&1; then \
		rm -rf $(VENV); \
		$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
			echo "Could not create $(VENV). On Debian: apt-get install python3-venv" >&2; \
			exit 1; }; \
	fi
	@echo "Installing Monitor and its locked dependencies into $(VENV) ..."
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK_DEV)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $@

# Re-lock after editing the dependencies in pyproject.toml: pip-compile keeps every locked
# version that still fits and adds what is new; UPGRADE=1 takes the newest versions allowed.
# base.txt first; dev.txt is held to its versions, so that the two never differ.
PIP_COMPILE = CUSTOM_COMPILE_COMMAND="make lock" "$$tools/bin/pip-compile" --quiet \
	--generate-hashes --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links \
	$(if $(UPGRADE),--upgrade)

lock:
	@tools=$$(mktemp -d) && trap 'rm -rf "$$tools"' EXIT && \
	echo "Installing $(PIP_TOOLS) into a throwaway virtualenv ..." && \
	$(PYTHON) -m venv "$$tools" && \
	"$$tools/bin/python" -m pip install --quiet '$(PIP_TOOLS)' && \
	echo "Locking $(LOCK_BASE) and $(LOCK_DEV) ..." && \
	$(PIP_COMPILE) --output-file $(LOCK_BASE) pyproject.toml && \
	$(PIP_COMPILE) --extra dev --build-deps-for editable --constraint $(LOCK_BASE) \
		--output-file $(LOCK_DEV) pyproject.toml

# Debian's packages the site and the tests need: Chromium for the browser tests, Redis for the
# load test, Poppler's pdftotext and pdftoppm to read the PDFs back, and Pango with the fonts
# (Liberation, DejaVu) for WeasyPrint, which lays out the PDF editions. Each is package:file, the file telling whether it
# is there. Installed only when missing; apt-get needs root (as in CI); anyone else gets the
# command to run.
SYSTEM_PACKAGES := chromium:$(CHROMIUM) redis-server:/usr/bin/redis-server \
	poppler-utils:/usr/bin/pdftotext libpangoft2-1.0-0:/usr/share/doc/libpangoft2-1.0-0 \
	fonts-dejavu-core:/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf \
	fonts-liberation:/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf

browser system-packages:
	@missing=""; \
	for entry in $(SYSTEM_PACKAGES); do \
		[ -x "$${entry#*:}" ] || missing="$$missing $${entry%%:*}"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing$$missing for the tests (apt-get install) ..."; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
				$$missing || { echo "Could not install$$missing." >&2; exit 1; }; \
		else \
			echo "The tests need$$missing." >&2; \
			echo "On Debian, run as root: apt-get update && apt-get install -y$$missing" >&2; \
			exit 1; \
		fi; \
	fi

run: $(STAMP)
	$(DEV) $(MANAGE) migrate
	$(DEV) $(MANAGE) load_demo
	$(DEV) $(MANAGE) runserver 127.0.0.1:8000

test: lint check-migrations test-wheel system-packages test-sqlite test-postgres test-load

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

check-migrations: $(STAMP)
	$(NO_DB_URL) $(DEV) $(MANAGE) makemigrations --check --dry-run

# The wheel, installed with the locked dependencies into a fresh virtualenv, run from an empty
# directory: migrate, load the demo, collect the static files, serve a page and its stylesheet
# with gunicorn (scripts/check_wheel.py; about 20 seconds once pip has the packages cached).
test-wheel: $(STAMP)
	$(BIN)/python scripts/check_wheel.py

test-sqlite: $(STAMP)
	$(NO_DB_URL) $(BIN)/pytest

test-postgres: $(STAMP)
	scripts/with-postgres $(BIN)/pytest

# gunicorn app servers on their own PostgreSQL and Redis servers, under concurrent edits and
# reads and a database outage (tests/load; about a minute).
test-load: $(STAMP)
	$(NO_DB_URL) $(BIN)/pytest -m load

# Generate demo data, serve it the production way and load-test the pages (installs wrk and
# nginx when missing, as root). SQLite unless BENCH_DB=postgres; see scripts/load_benchmark.py.
bench: $(STAMP)
	$(BIN)/python scripts/load_benchmark.py

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
	rm -rf .ruff_cache .pytest_cache build *.egg-info staticfiles test-artifacts

distclean: clean
	rm -rf $(VENV)
