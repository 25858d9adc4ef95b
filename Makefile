# The two commands: `make run` (the service on the embedded default) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT  # the settings build links (and emails' fallback address) on it when SITE_URL is unset
WEB_WORKERS ?= 2
# Seconds bin/supervise waits after Ctrl-C before killing what is still running (docs/operations.md).
STOP_GRACE ?= 2.5
MANAGE := $(BIN)/python manage.py
export PLAYWRIGHT_BROWSERS_PATH ?= 0
# The browser tests' chromium; `make test` installs Debian's package there when it can.
export CHROMIUM_PATH ?= /usr/bin/chromium

.PHONY: run serve test test-pg lint fmt bootstrap migrate schema schema-check bench clean help messages messages-check

help:
	@echo "make run     the service + worker on http://127.0.0.1:$(PORT) (SQLite by default)"
	@echo "make test    the whole suite (SQLite; DATABASE_URL/REDIS_URL switch to PostgreSQL/Redis)"
	@echo "make serve   production settings (needs SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL)"
	@echo "make lint    ruff + mypy;  make fmt  formats;  make schema  regenerates the OpenAPI file"
	@echo "make bench   tracking throughput and latency (granian, wrk; PostgreSQL + Redis if up)"
	@echo "make messages  new interface strings into every catalog;  make messages-check  what is untranslated"

$(BIN)/.installed: requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	touch $@

bootstrap: $(BIN)/.installed
	@mkdir -p var

migrate: bootstrap
	$(MANAGE) migrate --noinput
	$(MANAGE) compile_catalogs

run: export DJANGO_SETTINGS_MODULE = config.settings.local
run: migrate
	$(MANAGE) seed_demo
	$(MANAGE) ensure_admin
	$(MANAGE) apply_schedules
	@echo "Serving on http://127.0.0.1:$(PORT)/p/demo/launch/  (admin: /admin/, Ctrl-C stops)"
	$(BIN)/python bin/supervise --grace $(STOP_GRACE) \
	  -- "$(BIN)/granian --interface wsgi --host 127.0.0.1 --port $(PORT) --workers $(WEB_WORKERS) --no-ws config.wsgi:application" \
	  -- "$(BIN)/python manage.py qcluster"

# `make serve` runs the stream consumers beside the web server (their one-minute schedules
# only catch up when none runs); without Redis, or with ENTRY_INTAKE=false, one just waits.
SERVE_CONSUMERS = -- "$(BIN)/python manage.py tracking_consume --idle-if-off" \
  -- "$(BIN)/python manage.py entries_consume --idle-if-off"

serve: export DJANGO_SETTINGS_MODULE = config.settings.production
serve: bootstrap
	$(MANAGE) migrate --noinput
	$(MANAGE) compile_catalogs
	$(MANAGE) collectstatic --noinput -v0
	$(MANAGE) apply_schedules
	$(BIN)/python bin/supervise --grace $(STOP_GRACE) \
	  -- "$(BIN)/granian --interface wsgi --host $${HOST:-127.0.0.1} --port $(PORT) --workers $${WEB_WORKERS:-2} --blocking-threads $${BLOCKING_THREADS:-4} --no-ws config.wsgi:application" \
	  -- "$(BIN)/python manage.py qcluster" $(SERVE_CONSUMERS)

# Without chromium (and no root + apt-get to install it) the browser tests are skipped with a
# note at the end, except under CI=true, where they fail.
test: bootstrap
	@$(BIN)/python bin/ensure-tool "$(CHROMIUM_PATH)" chromium fonts-dejavu-core fonts-ipafont-gothic || true
	$(BIN)/pytest -n $${PYTEST_WORKERS:-2} $(PYTEST_ARGS)

lint: bootstrap
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

fmt: bootstrap
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

schema: bootstrap
	DJANGO_SETTINGS_MODULE=config.settings.test $(MANAGE) spectacular --file docs/openapi.yaml --validate --fail-on-warn

schema-check: bootstrap
	DJANGO_SETTINGS_MODULE=config.settings.test $(MANAGE) spectacular --file var/openapi.yaml --validate --fail-on-warn
	diff -u docs/openapi.yaml var/openapi.yaml && echo "OpenAPI schema is up to date"

bench: bootstrap
	$(BIN)/python bench/run.py

# Interface catalogs (docs/architecture.md, "Languages"): extract new strings, then
# translate what messages-check lists; .mo files are compiled by migrate and the tests.
messages: bootstrap
	DJANGO_SETTINGS_MODULE=config.settings.test $(MANAGE) catalogs_extract

messages-check: bootstrap
	DJANGO_SETTINGS_MODULE=config.settings.test $(MANAGE) catalogs_check

clean:
	rm -rf $(VENV) var
