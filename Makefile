# policykg: two commands do all set-up.
#   make run    build the knowledge graph from the bundled release and serve it
#   make test   run the whole test suite
# Both create .venv and install the project (and its test tools) into it first.

VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The query workbench's browser files: YASGUI from the npm registry (package.json pins it),
# copied into our static files so that nothing is fetched from elsewhere at run time.
VENDOR := server/static/vendor/yasgui
VENDOR_STAMP := $(VENDOR)/.installed
YASGUI_BUILD := node_modules/@zazuko/yasgui/build

.PHONY: setup run test lint bench

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# npm ci installs exactly the lock, axe-core too (a devDependency: the browser tests inject
# it from node_modules to audit the pages, tests/test_accessibility.py; it is never served);
# no install scripts are needed (only Font Awesome's attribution notice has one). The
# source-map comment is dropped: the maps are not served.
$(VENDOR_STAMP): package.json $(wildcard package-lock.json)
	if [ -f package-lock.json ]; then npm ci --ignore-scripts --no-audit --no-fund; \
	else npm install --ignore-scripts --no-audit --no-fund; fi
	mkdir -p $(VENDOR)
	for f in yasgui.min.js yasgui.min.css; do \
	  sed -e '/^\/\/# sourceMappingURL=/d' -e 's|/\*# sourceMappingURL=[^*]*\*/||' \
	    $(YASGUI_BUILD)/$$f > $(VENDOR)/$$f.tmp && mv $(VENDOR)/$$f.tmp $(VENDOR)/$$f; \
	done
	touch $@

setup: $(STAMP) $(VENDOR_STAMP)

run: setup
	$(VENV)/bin/policykg build
	$(VENV)/bin/policykg pages
	$(VENV)/bin/policykg serve

test: setup
	$(VENV)/bin/ruff check .
	$(PY) -m pytest

bench: setup
	$(PY) bench/build_bench.py
