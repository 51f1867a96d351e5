# Procurement: local run, tests, lint and checks. `make` lists the targets.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

# Python 3.12+ (Django 6 needs it): pyenv's pick for .python-version first, then the first of
# python3.13, python3.12, python3 that is new enough. Empty when none is; `venv` says so.
ifndef PYTHON
PYTHON := $(shell \
	for p in $$([ -f .python-version ] && command -v pyenv >/dev/null 2>&1 && pyenv which python 2>/dev/null) \
		python3.13 python3.12 python3; do \
		if command -v "$$p" >/dev/null 2>&1 \
			&& "$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then \
			command -v "$$p"; break; \
		fi; \
	done)
endif

VENV := .venv
VENV_PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
# `make run` serves on PORT; links the server writes without a request (e-mails, the demo's punchout shop and
# pretend supplier) use SITE_URL, which follows PORT unless you set it (behind a proxy, say).
PORT ?= 8000
RUN_SITE_URL := $(or $(SITE_URL),http://127.0.0.1:$(PORT))

DEV := DJANGO_SETTINGS_MODULE=procurement.settings.dev
# check --deploy needs prod settings to import: a dummy 60-character key, a throwaway database and a Redis URL
# (never connected to: the check only reads it).
DEPLOY_CHECK_ENV := DJANGO_SETTINGS_MODULE=procurement.settings.prod \
	SECRET_KEY=deploy-check-dummy-secret-key-not-for-use-0123456789abcdefgh \
	ALLOWED_HOSTS=example.com REDIS_URL=redis://127.0.0.1:6379/0 SECRETS_ENCRYPTION_KEYS=ZGVwbG95LWNoZWNrLWR1bW15LWtleS1ub3QtNC11c2U=
# A local worker with prod settings may run on a dummy key; set SECRET_KEY to use your own.
WORKER_SECRET_KEY := local-worker-dummy-secret-key-never-for-production-0123456789

# The translation catalogues: each locale/<lang>/LC_MESSAGES/django.po compiles to its .mo (git-ignored) with
# babel (scripts/compile_messages.py), no GNU gettext needed at run time (docs/i18n.md).
PO_FILES := $(wildcard locale/*/LC_MESSAGES/*.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: help venv messages run test lint check schema services worker bench bench-postgres bench-peer screenshots clean

help: ## List the targets
	@echo "usage: make <target>"
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

venv: $(STAMP) $(MO_FILES) ## Create .venv and install the project with dev extras (again when pyproject.toml changes)

messages: $(MO_FILES) ## Compile the translation catalogues (locale/*/LC_MESSAGES/*.po → .mo)

%.mo: %.po | $(STAMP)
	$(VENV_PY) scripts/compile_messages.py $<

$(STAMP): pyproject.toml
	@if [ -z "$(PYTHON)" ]; then \
		echo "error: no Python 3.12+ found (tried pyenv for .python-version, python3.13, python3.12, python3)." >&2; \
		echo "       Install one, or run: make PYTHON=/path/to/python3.12 ..." >&2; \
		exit 1; \
	fi
	@# A venv from an older or since-removed interpreter is rebuilt.
	@if [ -e $(VENV) ] && ! $(VENV_PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then \
		echo "rebuilding $(VENV): its interpreter is missing or older than 3.12"; rm -rf $(VENV); \
	fi
	@[ -x $(VENV_PY) ] || { echo "creating $(VENV) with $(PYTHON)"; "$(PYTHON)" -m venv $(VENV); }
	$(VENV_PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

run: venv ## Migrate, load demo data, serve on http://127.0.0.1:8000 with a Celery worker and beat (PORT=8123; SQLite)
	$(DEV) $(VENV_PY) manage.py migrate --noinput
	$(DEV) SITE_URL="$(RUN_SITE_URL)" $(VENV_PY) manage.py seed_demo
	@# Web server, worker and beat together (deploy/Procfile.dev); one Ctrl-C stops all three.
	$(DEV) SITE_URL="$(RUN_SITE_URL)" WEB_PORT=$(PORT) PATH="$(CURDIR)/$(VENV)/bin:$$PATH" \
		$(VENV)/bin/honcho --procfile deploy/Procfile.dev --app-root . start

test: venv ## Run pytest on throwaway PostgreSQL + Redis (PYTEST_ARGS="-k name" to narrow)
	env -u DJANGO_SETTINGS_MODULE $(VENV_PY) scripts/testenv.py -- $(VENV)/bin/pytest $(PYTEST_ARGS)

lint: venv ## ruff lint (its S rules are bandit's security checks), format check, mypy, app boundaries, pip-audit
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	@# The app layers and the pure protocol codecs (docs/architecture.md): import-linter's contracts in pyproject.toml.
	$(VENV)/bin/lint-imports --no-cache
	@# Known vulnerabilities (PyPI's advisories) in what `make venv` installed: the pins of pyproject.toml
	@# and their dependencies. A found one fails; a package the index cannot answer for is only counted,
	@# unless AUDIT_STRICT=1.
	@out=$$(mktemp); trap 'rm -f "$$out"' EXIT; \
	echo "$(VENV)/bin/pip-audit --skip-editable$(if $(AUDIT_STRICT), --strict)"; \
	$(VENV)/bin/pip-audit --skip-editable --progress-spinner off $(if $(AUDIT_STRICT),--strict) >"$$out" 2>&1 \
		|| { cat "$$out"; exit 1; }; \
	skipped=$$(grep -c "could not be audited" "$$out" || true); \
	grep -v "could not be audited" "$$out" | grep -v -e "^Name  *Skip Reason" -e "^--* --*$$" -e "marked as editable" || true; \
	if [ "$$skipped" -gt 0 ]; then \
		echo "pip-audit: $$skipped packages not audited: the index has no advisory data for them (AUDIT_STRICT=1 fails on that)"; \
	fi

check: venv ## Migrations up to date, schema matches docs/api/openapi.yaml, check --deploy, collectstatic
	$(DEV) $(VENV_PY) manage.py makemigrations --check --dry-run
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	echo "$(DEV) $(VENV_PY) manage.py spectacular --file $$tmp/openapi.yaml --validate"; \
	$(DEV) $(VENV_PY) manage.py spectacular --file "$$tmp/openapi.yaml" --validate; \
	if ! diff -u docs/api/openapi.yaml "$$tmp/openapi.yaml"; then \
		echo "error: docs/api/openapi.yaml differs from the code: run 'make schema' and commit it" >&2; \
		exit 1; \
	fi; \
	echo "$(DEPLOY_CHECK_ENV) DATABASE_URL=sqlite:///$$tmp/db.sqlite3 $(VENV_PY) manage.py check --deploy --fail-level WARNING"; \
	$(DEPLOY_CHECK_ENV) DATABASE_URL="sqlite:///$$tmp/db.sqlite3" \
		$(VENV_PY) manage.py check --deploy --fail-level WARNING; \
	echo "$(DEPLOY_CHECK_ENV) STATIC_ROOT=$$tmp/static $(VENV_PY) manage.py collectstatic --noinput"; \
	$(DEPLOY_CHECK_ENV) DATABASE_URL="sqlite:///$$tmp/db.sqlite3" STATIC_ROOT="$$tmp/static" \
		$(VENV_PY) manage.py collectstatic --noinput -v0

schema: venv ## Regenerate docs/api/openapi.yaml from the code
	@mkdir -p docs/api
	$(DEV) $(VENV_PY) manage.py spectacular --file docs/api/openapi.yaml --validate

services: ## PostgreSQL + Redis kept in .services/ until Ctrl-C; prints the export lines
	@"$(or $(PYTHON),python3)" scripts/testenv.py --serve

worker: venv ## Celery worker with beat, prod settings; export DATABASE_URL/REDIS_URL from `make services` first
	@if [ -z "$${DATABASE_URL:-}" ] || [ -z "$${REDIS_URL:-}" ]; then \
		echo "error: the worker needs DATABASE_URL and REDIS_URL: run 'make services' in another" >&2; \
		echo "       terminal and paste its export lines here first" >&2; \
		exit 1; \
	fi
	@if [ -z "$${SECRETS_ENCRYPTION_KEYS:-}" ]; then \
		echo "error: the worker needs SECRETS_ENCRYPTION_KEYS, the same as the web side's (docs/security.md)" >&2; \
		exit 1; \
	fi
	DJANGO_SETTINGS_MODULE=procurement.settings.prod SECRET_KEY="$${SECRET_KEY:-$(WORKER_SECRET_KEY)}" \
		$(if $(DEBUG),DEBUG=$(DEBUG)) $(VENV)/bin/celery -A procurement worker -B -l info \
		--queues=celery,orders,imports,notifications,timers

screenshots: venv ## Regenerate docs/images/ for docs/user-guide.md (Chromium walks each role's story)
	env -u DJANGO_SETTINGS_MODULE $(VENV_PY) scripts/testenv.py -- env SCREENSHOTS=1 $(VENV)/bin/pytest tests/e2e/test_user_guide_screenshots.py -m screenshots -q -p no:randomly

bench: venv ## Run each bench/*.py on SQLite, and again on PostgreSQL when DATABASE_URL is set (JSON figures)
	@found=0; for script in bench/*.py; do \
		[ -e "$$script" ] || continue; \
		case "$$(basename "$$script")" in _*|harness.py|peer_tryton.py) continue;; esac; \
		found=1; \
		echo "== $$script (sqlite)" >&2; env -u DATABASE_URL -u REDIS_URL $(VENV_PY) "$$script"; \
		if [ -n "$${DATABASE_URL:-}" ]; then \
			echo "== $$script (postgresql)" >&2; $(VENV_PY) "$$script"; \
		fi; \
	done; \
	[ "$$found" = 1 ] || echo "no benchmarks in bench/"

bench-postgres: venv ## `make bench` with a throwaway PostgreSQL and Redis (scripts/testenv.py) set
	env -u DJANGO_SETTINGS_MODULE $(VENV_PY) scripts/testenv.py -- $(MAKE) bench

bench-peer: venv ## Tryton 8.2 (scratch virtualenv from PyPI) and ours on the same requisition workload
	$(VENV_PY) bench/peer_tryton.py

clean: ## Remove .venv, the SQLite database, .services/ and caches
	rm -f $(MO_FILES)
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm db.sqlite3-journal .services \
		.pytest_cache .mypy_cache .ruff_cache staticfiles test-results
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
