# The two commands a newcomer needs: `make run` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
export FLASK_APP := wsgi:app

.PHONY: run test lint typecheck clean bench docs vendor messages

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

# The web app's vendored browser files (dialog/static/vendor/VERSIONS) from the npm registry; needs npm.
# Only to refresh them: `make run` serves the committed copies and needs no Node.
vendor:
	sh dialog/static/vendor/refresh.sh

# The web app's translations: extract the strings, merge them into each catalog, compile the .mo files
# (committed, so `make run` needs no step of its own; a test fails while a .mo is older than its .po).
BABEL_DIR := dialog/webapp/translations
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F dialog/webapp/babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
	  --project smart-city-dialog -o $(BABEL_DIR)/messages.pot .
	$(BIN)/pybabel update -i $(BABEL_DIR)/messages.pot -d $(BABEL_DIR) --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d $(BABEL_DIR) --statistics

$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install -q -e '.[bench]'
	touch $@

# Benchmarks (never part of `make test`): ours vs Node socket.io vs plain Flask-SocketIO; see bench/README.md.
bench: $(VENV)/.installed-bench
	cd bench && npm ci --no-audit --no-fund --loglevel=error
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache
