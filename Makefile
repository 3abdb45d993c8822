# ebys-support: the two commands of the README, and their parts.
#   make run   install what the service needs and start it on http://127.0.0.1:8080
#   make test  install what the tests need (Debian packages too), then lint, type checks and every test

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?= -n auto --dist loadfile

.PHONY: run test lint format typecheck pytest system-deps install install-test bench clean

run: install
	$(BIN)/ebys-support serve

test: system-deps install-test lint typecheck pytest

$(BIN)/python:
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  echo "python3 -m venv failed: installing Debian's python3-venv"; \
	  scripts/install-system-deps.sh python3-venv && rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall whenever setup.cfg or pyproject.toml changes.
$(STAMP).run: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(STAMP).test: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,postgres]'
	@touch $@ $(STAMP).run

install: $(STAMP).run
install-test: $(STAMP).test

system-deps:
	@scripts/install-system-deps.sh

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: install-test
	$(BIN)/mypy

pytest: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install-test
	@for script in benchmarks/[a-z]*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache
