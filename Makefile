# Two commands on a fresh machine: `make serve` and `make test`. Both create .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
PYTEST_WORKERS ?= 2
export NO_MKDOCS_2_WARNING := 1

.PHONY: serve test test-cold test-latest lint outputs page bench build clean test-browser

# (Re)install whenever requirements.txt changes.
$(INSTALLED): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(INSTALLED)

serve: $(INSTALLED) ## Serve the site at http://127.0.0.1:8000, rebuilding on change
	$(BIN)/python -m mkdocs serve --dev-addr 127.0.0.1:8000

test: $(INSTALLED) lint ## Every check: lint, snippet runs and outputs, parity, integrity, data, strict build
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup --no-loadscope-reorder

test-cold: ## make test with every snippet, notebook and API-mapping run made afresh, as CI does
	EXECUTION_CACHE=off $(MAKE) test

test-latest: $(INSTALLED) ## Snippets and notebooks on the newest releases, in .venv-latest; rewrites docs/data/upgrading.json
	$(BIN)/python -m latest

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

outputs: $(INSTALLED) ## Rewrite the #> lines from a real run: all pages, or one with PAGE=execution-model
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup tests/test_snippets.py --update-outputs \
		$(if $(PAGE),--page $(PAGE),-k test_snippet_runs)

page: $(INSTALLED) ## Every check of one page (lint, runs, outputs, parity, data, strict build): make page PAGE=execution-model
	$(BIN)/python tests/check_page.py $(PAGE)

bench: $(INSTALLED) ## Time both frameworks (minutes); rewrites docs/data/benchmarks.json and its charts
	PYTHONPATH=tests/harness/sandbox $(BIN)/python -m bench $(BENCH_ARGS)

test-browser: $(INSTALLED) ## Only the whole-site crawl in Chromium (part of `make test`), with its weight table
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) tests/test_browser.py -rP

build: $(INSTALLED) ## Build the static site into site/
	$(BIN)/python -m mkdocs build --strict

clean:
	rm -rf site .pytest_cache
