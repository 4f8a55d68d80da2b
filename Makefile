# The two commands of the README: `make serve` and `make test`; and, without activating
# the virtualenv, `make index`, `make search Q='words'` and `make doctor`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
# The project's own modules compiled: with PYTHONDONTWRITEBYTECODE set (as on some
# machines) an editable install would otherwise recompile them at every start.
COMPILE = $(BIN)/python -m compileall -q search web wsgi.py

.PHONY: serve test index search doctor install install-test clean
# The query reaches the shell as an environment variable: quotes in it stay as typed.
export Q

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required (set PYTHON=python3.11)")'
	$(PYTHON) -m venv $(VENV)

# Reinstall only when pyproject.toml changes (the project itself is installed editable).
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(COMPILE)
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(COMPILE)
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

index: install
	$(BIN)/news-search index

search: install
	$(BIN)/news-search search -- "$$Q"

doctor: install
	$(BIN)/news-search doctor

serve: index
	@$(COMPILE)
	$(BIN)/news-search serve --host $(HOST) --port $(PORT)

test: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) var build *.egg-info
