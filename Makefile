# Two commands for a newcomer: `make demo` runs the app with demo data (embedded PostgreSQL and
# Redis, a Celery worker and beat); `make test` runs the whole test suite.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test check lint format messages install browser clean lock

$(PY):
	$(PYTHON) -m venv $(VENV)

# requirements-dev.txt: the runtime lock plus the quick start's embedded servers and the test tools.
$(STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP) messages

messages: $(STAMP)
	$(PY) -m config.msgfmt

# Debian's chromium drives the browser tests (no browser download works offline).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests…"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

PORT ?= 8000

# `make demo PORT=8080` serves on another port.
demo: install
	DEBUG=1 $(PY) manage.py demo --port $(PORT)

check: install
	DEBUG=1 $(PY) manage.py demo --check

test: install browser
	$(PY) -m pytest

# mypy's Django plugin imports the settings: give it URLs so it starts no embedded server.
TYPECHECK_ENV := DEBUG=1 DATABASE_URL=postgres://typecheck@127.0.0.1/typecheck REDIS_URL=redis://127.0.0.1:6379/0

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(TYPECHECK_ENV) $(PY) -m mypy .
	$(TYPECHECK_ENV) $(VENV)/bin/lint-imports

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

# Regenerate both hashed locks from pyproject.toml (runtime for the image; dev = runtime + quick start
# + test tools, pinned to the runtime lock's versions). Needs uv (`pip install uv`).
lock:
	uv pip compile pyproject.toml --generate-hashes --python-version 3.11 --no-header -o requirements.txt
	uv pip compile pyproject.toml --extra dev --extra quickstart -c requirements.txt --generate-hashes \
	  --python-version 3.11 --no-header -o requirements-dev.txt

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .mypy_cache .ruff_cache
