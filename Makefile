# Gongkai: `make run` brings everything up, `make test` runs the whole suite.
# Both bootstrap .venv from the lock files (make test also uses Debian's postgresql, chromium and
# curl, installed by the suite when missing and run as root: README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python

.PHONY: run test lint bench client lock clean-venv

$(BIN)/.runtime: requirements.lock pyproject.toml client/pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e client
	touch $@

$(BIN)/.dev: $(BIN)/.runtime requirements-dev.lock
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@

run: $(BIN)/.runtime
	$(BIN)/gongkai up

# Two workers, a test module's tests on one of them (its stack, its servers): the suite uses both
# cores of a 2-core machine (about 12 minutes instead of 19).
test: lint
	$(BIN)/pytest -n 2 --dist loadfile

lint: $(BIN)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy gongkai workflows activities workers api schemas store rules console client/gongkai_client

# Regenerate the typed client (client/gongkai_client) from the API's OpenAPI document.
client: $(BIN)/.dev
	$(PY) -m console.client_gen

bench: $(BIN)/.dev
	$(PY) -m bench

# Regenerate the lock files after editing requirements*.in (needs network to PyPI).
lock: $(BIN)/.runtime
	$(PY) -m pip install --quiet uv
	$(BIN)/uv pip compile requirements.in --python-version 3.11 --python-platform x86_64-manylinux_2_28 --generate-hashes -o requirements.lock
	$(BIN)/uv pip compile requirements-dev.in --python-version 3.11 --python-platform x86_64-manylinux_2_28 --generate-hashes -o requirements-dev.lock

clean-venv:
	rm -rf $(VENV)
