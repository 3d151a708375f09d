# The two commands a newcomer needs: `make run` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
export FLASK_APP := wsgi:app

.PHONY: run test lint typecheck clean bench docs

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install -q -e '.[test]'
	touch $@

run: $(VENV)/.installed
	$(BIN)/flask dialog migrate
	$(BIN)/flask dialog seed-demo --if-empty
	$(BIN)/gunicorn -c gunicorn.conf.py -b $(HOST):$(PORT) wsgi:app

test: lint
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check dialog events services tests wsgi.py gunicorn.conf.py
	$(BIN)/mypy
	$(BIN)/lint-imports

# Generated documentation: docs/events.md from the event classes (a test fails while it is stale).
docs: $(VENV)/.installed
	$(BIN)/flask dialog events --format markdown -o docs/events.md

$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install -q -e '.[bench]'
	touch $@

# Benchmarks (never part of `make test`): ours vs Node socket.io vs plain Flask-SocketIO; see bench/README.md.
bench: $(VENV)/.installed-bench
	cd bench && npm ci --no-audit --no-fund --loglevel=error
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache
