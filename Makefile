# The two commands: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run test setup browser fixtures bench bench-moderation clean

$(VENV)/.installed: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || { \
	  rm -rf $(VENV); \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null && $(PYTHON) -m venv $(VENV); \
	  else \
	    echo "Creating .venv needs Debian's python3-venv: sudo apt-get install python3-venv" >&2; exit 1; \
	  fi; }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

# Test-only JavaScript tools (axe-core), from the npm registry.
node_modules/.installed: package.json package-lock.json
	@if ! command -v npm >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; \
	  else \
	    echo "The accessibility tests need npm (for axe-core): sudo apt-get install npm" >&2; exit 1; \
	  fi; \
	fi
	npm ci --no-audit --no-fund --silent
	touch $@

setup: $(VENV)/.installed

## make run: set up, migrate, load the edition, serve at http://127.0.0.1:$(PORT)/
run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_edition
	$(PY) manage.py demo_accounts
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

## make test: set up, then the whole suite (on PostgreSQL when DATABASE_URL is set)
test: setup browser node_modules/.installed
	$(PY) manage.py check
	$(PY) -m pytest

# Browser tests drive Debian's Chromium through Playwright (no browser download).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "The browser tests need Debian's chromium: sudo apt-get install chromium" >&2; exit 1; \
	  fi; \
	fi

## make fixtures: regenerate fixtures/essay.json (from essay.txt, introduction.md) and fixtures/apparatus.json (from apparatus.toml)
fixtures: setup
	rm -f build/fixtures.sqlite3 && mkdir -p build
	DATABASE_URL=sqlite:///$(CURDIR)/build/fixtures.sqlite3 $(PY) manage.py migrate --noinput -v0
	DATABASE_URL=sqlite:///$(CURDIR)/build/fixtures.sqlite3 $(PY) manage.py import_essay fixtures/essay.txt \
	  $$(test -f fixtures/introduction.md && echo --introduction fixtures/introduction.md)
	DATABASE_URL=sqlite:///$(CURDIR)/build/fixtures.sqlite3 $(PY) manage.py dumpdata \
	  annotations.essay annotations.section annotations.paragraph --indent 1 -o fixtures/essay.json
	DATABASE_URL=sqlite:///$(CURDIR)/build/fixtures.sqlite3 $(PY) manage.py build_apparatus fixtures/apparatus.toml
	DATABASE_URL=sqlite:///$(CURDIR)/build/fixtures.sqlite3 $(PY) manage.py dumpdata \
	  annotations.source annotations.correction annotations.annotation annotations.citation \
	  annotations.crossreference --indent 1 -o fixtures/apparatus.json
	rm -rf build

## make bench: / with 1,000 notes and 100 corrections against a static copy of its HTML (plain, gzip, brotli, 304), a signed-in contributor, render costs, on gunicorn (bench/)
bench: setup
	@command -v wrk >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	  else \
	    echo "The benchmark needs wrk: sudo apt-get install wrk" >&2; exit 1; \
	  fi; \
	}
	$(PY) bench/edition_bench.py

## make bench-moderation: accepting 1,000 pending items, set-based and one at a time, on SQLite and PostgreSQL (bench/)
bench-moderation: setup
	$(PY) bench/moderation_bench.py

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles build
