# The two commands: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run test setup browser fixtures bench bench-moderation clean serve upgrade backup restore deploy-check cluster-check load

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

## make serve: production on one machine (DEBUG off, gunicorn); needs SECRET_KEY, ALLOWED_HOSTS, SITE_URL (.env.example)
serve: setup
	$(PY) deploy/production.py serve

## make upgrade: what make serve does before gunicorn starts: checks, migrate, load_edition, collectstatic
upgrade: setup
	$(PY) deploy/production.py upgrade

## make backup: the whole database to backups/ (pg_dump on PostgreSQL, the online backup API on SQLite)
backup: setup
	$(PY) deploy/production.py manage backup_database

## make restore FILE=backups/…: a backup into the configured (new, empty) database
restore: setup
	@test -n "$(FILE)" || { echo "Say which backup: make restore FILE=backups/edition-….pgdump" >&2; exit 2; }
	$(PY) deploy/production.py manage restore_database "$(FILE)"

## make deploy-check: nginx -t and a run of deploy/nginx/edition.conf, systemd-analyze verify on deploy/edition.service
deploy-check: setup
	deploy/check
	$(PY) -m ops.nginx_check

# $(call debian,PROGRAM,PACKAGE,WHAT): install Debian's PACKAGE when PROGRAM is missing (as root), else say how.
define debian
	@command -v $(1) >/dev/null || ls /usr/lib/postgresql/*/bin/$(1) >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2) >/dev/null; \
	  else \
	    echo "$(3) needs $(2): sudo apt-get install $(2)" >&2; exit 1; \
	  fi; }
endef

## make cluster-check: PostgreSQL, Redis and two app servers on loopback; prints what holds across them (ops/)
cluster-check: setup
	$(call debian,initdb,postgresql,The cluster check)
	$(call debian,redis-server,redis-server,The cluster check)
	$(PY) -m ops.cluster_check

## make load: 50 readers, 10 contributors and a moderator for 60 s on gunicorn and PostgreSQL, then 60 s with faults (ops/)
load: setup
	$(call debian,initdb,postgresql,The load run)
	$(PY) -m ops.load

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
