# Two promises: `make run` starts sendbot on its embedded default, `make test` passes every test.
# Both build .venv from the lock first, so a fresh machine needs nothing but python3.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint unit bench lock browser clean

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

# The demo school and its sign-in-as-anyone picker, on this computer only; a school's own
# setup leaves DEMO_MODE at its default, false.
run: $(STAMP)
	DEMO_MODE=true $(BIN)/sendbot run

lint: $(STAMP)
	$(BIN)/ruff check bot tests
	$(BIN)/ruff format --check bot tests
	$(BIN)/lint-imports

# The browser tests need Debian's chromium; scripts/ensure-browser installs it where it can.
browser:
	@bash scripts/ensure-browser

# One test worker per core (pytest-xdist): each has its own databases, ports and processes.
TEST_WORKERS ?= auto

test: $(STAMP) lint browser
	$(BIN)/pytest -n $(TEST_WORKERS)

bench: $(STAMP)
	$(BIN)/python -m tests.bench

# Refresh the lock after changing dependencies in pyproject.toml.
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --extra dev --strip-extras --no-emit-find-links \
		--no-emit-index-url --no-emit-trusted-host --no-header --allow-unsafe \
		-o requirements.lock pyproject.toml

clean:
	rm -rf $(VENV) var/*.db var/*.db-*
