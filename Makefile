# Two promises: `make run` starts sendbot on its embedded default, `make test` passes every test.
# Both build .venv from the locks first, so a fresh machine needs nothing but python3: `make run`
# installs only what sendbot needs (requirements.lock), `make test` adds the test and lint tools
# (requirements-dev.lock, layered on the first).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test lint unit bench lock browser clean

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

$(DEV_STAMP): $(STAMP) requirements-dev.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.lock
	touch $(DEV_STAMP)

# The demo school and its sign-in-as-anyone picker, on this computer only; a school's own
# setup leaves DEMO_MODE at its default, false.
run: $(STAMP)
	DEMO_MODE=true $(BIN)/sendbot run

lint: $(DEV_STAMP)
	$(BIN)/ruff check bot tests
	$(BIN)/ruff format --check bot tests
	$(BIN)/lint-imports

# The browser tests need Debian's chromium; scripts/ensure-browser installs it where it can.
browser:
	@bash scripts/ensure-browser

# One test worker per core (pytest-xdist): each has its own databases, ports and processes.
TEST_WORKERS ?= auto

test: $(DEV_STAMP) lint browser
	$(BIN)/pytest -n $(TEST_WORKERS)

bench: $(DEV_STAMP)
	$(BIN)/python -m tests.bench

# Refresh both locks after changing dependencies in pyproject.toml.
lock: $(DEV_STAMP)
	$(BIN)/python -m pip install --quiet pip-tools==7.5.1
	PATH="$(CURDIR)/$(BIN):$$PATH" bash scripts/lock

clean:
	rm -rf $(VENV) var/*.db var/*.db-*
