# Two commands for a newcomer: `make demo` and `make test`. Everything else is a detail.
SHELL := /bin/bash
PYTHON ?= $(shell for p in python3.13 $$HOME/.pyenv/versions/3.13.0/bin/python3.13 /root/.pyenv/versions/3.13.0/bin/python3.13 python3.12; do \
	$$p -c 'import sys; assert sys.version_info >= (3, 12)' >/dev/null 2>&1 && { echo $$p; break; }; done)
VENV := .venv
# The settings fail closed (DEBUG off, no default secret key): the demo, the worker and the
# tests here are the development mode. Production sets DJANGO_DEBUG=false and its own key.
export DJANGO_DEBUG ?= 1
PY := $(VENV)/bin/python
DEMO_DATA := .data/demo
# Seed 34's three pharmacies have the three delegations (total, none, partial 16 h): the
# demo shows the pharmacy's and the Backoffice's sides (demo_setup applies the generator's).
DEMO_SEED ?= 34
DEMO_PHARMACIES ?= 3
DEMO_MONTHS ?= 12
# The demo's year ends last month: the dashboards open on it (the current month is empty)
# and its monthly reports are produced at the end of `make demo`.
DEMO_START ?= $(shell date -d "$$(date +%Y-%m-01) -$(DEMO_MONTHS) months" +%Y-%m)

.PHONY: demo setup test test-fast lint migrate serve worker clean-demo backup restore

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.12+ introuvable (python3.13 recommandé)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

setup: $(VENV)/.installed

migrate: setup
	$(PY) manage.py migrate --noinput

## The demo: a generated year of three pharmacies, loaded through the real importers,
## matched by the nightly job, served on http://127.0.0.1:8000
demo: migrate
	@if [ ! -f $(DEMO_DATA)/pharmacies.json ]; then \
		$(PY) manage.py generate_data --seed $(DEMO_SEED) --pharmacies $(DEMO_PHARMACIES) --months $(DEMO_MONTHS) --start $(DEMO_START) --out $(DEMO_DATA); fi
	$(PY) manage.py demo_setup --data $(DEMO_DATA) | tee .data/demo-logins.txt
	$(PY) manage.py demo_load --data $(DEMO_DATA)
	$(PY) manage.py run_matching
	@# Last month's reports, produced and archived as on the 1st; their e-mails go to files
	@# (.data/demo-mails/), not the terminal. A second `make demo` sends nothing again.
	DJANGO_EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend EMAIL_FILE_PATH=.data/demo-mails \
		$(PY) manage.py monthly_reports
	@cat .data/demo-logins.txt
	@echo "Démo : http://127.0.0.1:8000"
	$(PY) manage.py runserver 127.0.0.1:8000

## The tests: the real PostgreSQL (DATABASE_URL, else the embedded one), Redis for the
## worker tests, Debian's Chromium for the browser tests.
test: setup
	$(PY) -m pytest

## The checkers (pyproject.toml): ruff's rules ([tool.ruff.lint]), the layers of the
## code ([tool.importlinter]: no import runs up) and mypy ([tool.mypy]).
# mypy's Django plugin reads the settings: development mode, and a database URL that is
# never connected to (no embedded server starts for it).
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	DJANGO_DEBUG=1 DATABASE_URL=$${DATABASE_URL:-postgres://localhost/mypy} $(VENV)/bin/mypy

test-fast: setup
	$(PY) -m pytest -m "not worker and not browser"

worker: setup
	$(VENV)/bin/celery -A tiers_payant worker -Q default,pdf --loglevel=INFO

clean-demo:
	rm -rf $(DEMO_DATA) .data/demo-logins.txt .data/demo-mails

## Backup (docs/security.md, "Backup and restore"): the database (pg_dump custom format) and the uploaded files.
backup: setup
	$(PY) manage.py backup --dir $(or $(DIR),.data/backups)

## Restore into a NEW database: make restore DUMP=.data/backups/x.dump MEDIA=…-media.tar.gz INTO=name
restore: setup
	$(PY) manage.py restore --dump $(DUMP) $(if $(MEDIA),--media $(MEDIA)) --into $(INTO)
