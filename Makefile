# policykg: two commands do all set-up.
#   make run    build the knowledge graph from the bundled release and serve it
#   make test   run the whole test suite
# Both create .venv and install the project (and its test tools) into it first.

VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup run test lint bench

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(VENV)/bin/policykg build
	$(VENV)/bin/policykg serve

test: setup
	$(VENV)/bin/ruff check .
	$(PY) -m pytest

bench: setup
	$(PY) bench/build_bench.py
