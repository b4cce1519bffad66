# Set-up, tests and serving. `make run` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 8000
# Empty: gunicorn.conf.py starts (2 x CPUs) + 1 workers.
WORKERS ?=

.PHONY: install lint test run serve setup db-upgrade db-migrate clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall only when the dependencies change.
$(VENV)/.installed: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

lint: install
	$(BIN)/flake8 wms tests bench config.py wsgi.py gunicorn.conf.py

# The suite runs on every core (pytest-xdist); each worker has its own scratch database. The
# browser test of /docs needs Debian's chromium and chromium-driver: installed when missing.
test: lint
	sh scripts/browser-deps.sh
	$(BIN)/python -m pytest --cov -n auto

# A random secret key and an RSA key pair if there are none, migrations, demo data into an
# empty database, a demo client.
setup: install instance/secret-key
	@if [ -z "$$OAUTH_PRIVATE_KEY" ] && [ ! -f instance/oauth-private.key ]; then \
		$(FLASK) oauth keys; fi
	$(FLASK) db upgrade
	$(FLASK) wms demo --if-empty
	$(FLASK) wms demo-client --base-url http://$(HOST):$(PORT)

run: setup serve

# Written once; a server never runs on a key anyone could know (wms/security.py).
instance/secret-key:
	@mkdir -p instance
	@umask 077 && $(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(48))' > $@.tmp
	@mv $@.tmp $@
	@echo "Wrote a random secret key to $@"

serve: install
	HOST=$(HOST) PORT=$(PORT) WORKERS=$(WORKERS) $(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

# wms against its two floors on a store of a million placements (bench/README.md): SQLite, and
# DATABASE_URL's PostgreSQL when it is set. Not part of `make test`; BENCH_ARGS passes options.
bench: install instance/secret-key
	sh bench/setup.sh
	$(BIN)/python bench/run.py $(BENCH_ARGS)

db-upgrade: install
	$(FLASK) db upgrade

db-migrate: install
	$(FLASK) db migrate -m "$(m)"

clean:
	rm -rf $(VENV) .pytest_cache .coverage *.egg-info
