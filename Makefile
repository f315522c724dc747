# The README's two commands: `make up` (the library stack, URL printed) and `make test`.
# Each does its own set-up: a virtualenv, the Docker engine, the base image.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: help venv engine podman ssh-engine base browser up down test test-fast test-matrix lint bench screenshots clean-venv

help:
	@echo "make up        bring the Library example up (PostgreSQL + Django) and print its URLs"
	@echo "make down      stop it (named volumes, i.e. the database, are kept)"
	@echo "make test      run the whole test suite against a real Docker engine"
	@echo "make test-fast run only the tests that need no Docker engine (seconds)"
	@echo "make test-matrix  the engine tests every engine must pass, on Podman and over ssh"
	@echo "make lint      ruff and mypy"

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[example,dev]'
	touch $@

engine:
	bash scripts/ensure-docker.sh

browser:
	bash scripts/ensure-chromium.sh

podman:
	bash scripts/ensure-podman.sh >/dev/null

# OpenSSH and the user the remote-engine tests reach this machine's engine as (root only;
# elsewhere those tests are skipped, saying why)
ssh-engine:
	-@bash scripts/ensure-ssh-engine.sh

base: venv engine
	$(PY) -m dockdjango base

up: base
	$(PY) scripts/make_up.py

down: venv
	$(PY) scripts/make_up.py --down

test: base browser ssh-engine
	$(PY) -m pytest $(PYTEST_ARGS)

# the engine tests that must pass on every engine, on Podman and over ssh (Docker's run
# is `make test`)
test-matrix: venv podman ssh-engine
	DOCKDJANGO_TEST_ENGINE=podman $(PY) -m pytest -m matrix $(PYTEST_ARGS)
	DOCKDJANGO_TEST_ENGINE=ssh $(PY) -m pytest -m matrix $(PYTEST_ARGS)

test-fast: venv
	$(PY) -m pytest -m "not engine" $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check dockdjango tests benchmarks
	$(VENV)/bin/mypy dockdjango

bench: base
	@for b in benchmarks/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

screenshots: venv browser
	$(PY) scripts/screenshots.py

clean-venv:
	rm -rf $(VENV)
