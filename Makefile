# fieldapp: `make run` serves the demo district, `make test` runs every test. Both install what is missing.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 2
QUEUE_WORKERS ?= 2
export FLASK_APP := wsgi
# The PostgreSQL the integration tests use (a fresh database is created in it per run).
export FIELDAPP_TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/test
CATALOGS := $(patsubst %.po,%.mo,$(wildcard fieldapp/translations/*/LC_MESSAGES/messages.po))

.PHONY: install install-dev run test bench bench-smoke lint translations browser wrk pgtools clean

# Two sets: `make run` installs only what serves (requirements.txt, npm without devDependencies);
# test, bench and lint add the development set (requirements-dev.txt, and npm's Lighthouse for the bench).
# Each set has its own stamp, so going from `make run` to `make test` installs only what is missing,
# and `make run` after `make test` installs nothing.
install: $(BIN)/.runtime static/vendor/htmx.min.js static/vendor/jsQR.js static/vendor/leaflet/leaflet.js $(CATALOGS)

install-dev: install $(BIN)/.dev node_modules/.dev

$(BIN)/.runtime: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(BIN)/.dev: requirements-dev.txt $(BIN)/.runtime
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

# `npm ci` empties node_modules first, so each stamp lives inside it and goes with what it stands for.
node_modules/.runtime: package.json package-lock.json
	npm ci --omit=dev --no-audit --no-fund --loglevel=error
	touch $@

node_modules/.dev: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch node_modules/.runtime $@

# Libraries from npm are copied into static/vendor (ignored by git), never committed; copied again when the
# lock file changes, not each time `npm ci` reinstalls the same versions.
static/vendor/htmx.min.js: package-lock.json | node_modules/.runtime
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js $@

# The QR decoder for phones without BarcodeDetector; loaded only by the scan page, only when needed.
static/vendor/jsQR.js: package-lock.json | node_modules/.runtime
	mkdir -p static/vendor
	cp node_modules/jsqr/dist/jsQR.js $@

# Leaflet for the coverage map (its script, stylesheet and control images); loaded only by the map page.
static/vendor/leaflet/leaflet.js: package-lock.json | node_modules/.runtime
	mkdir -p static/vendor/leaflet
	cp -r node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css node_modules/leaflet/dist/images static/vendor/leaflet/

%.mo: %.po $(BIN)/.runtime
	$(BIN)/pybabel compile -i $< -o $@ >/dev/null

# Plain http on a laptop or a LAN: Secure-only cookies would never come back, so no one could log in. A server
# behind HTTPS leaves FIELDAPP_SECURE_COOKIES unset (on); `FIELDAPP_SECURE_COOKIES=1 make run` keeps it on here.
# Threaded workers (gunicorn.conf.py), so that slow clients cannot hold every worker. The queue's worker
# (huey_consumer: roster imports and label sheets over a page, the minute's look after jobs) runs beside
# gunicorn and stops with it; its queue is instance/queue.sqlite, or Redis when FIELDAPP_QUEUE_URL is set.
run: export FIELDAPP_SECURE_COOKIES ?= 0
# The one start where the demo's accounts are expected: any other start with them warns in the log.
run: export FIELDAPP_DEMO_RUN = 1
# A demo on one machine: each worker counts login limits on its own (gunicorn.conf.py warns instead of refusing).
run: export FIELDAPP_ALLOW_MEMORY_LIMITS ?= 1
run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask demo-data --if-empty
	$(BIN)/python -m fieldapp.banner --host $(HOST) --port $(PORT)
	$(BIN)/huey_consumer fieldapp.worker.huey --workers $(QUEUE_WORKERS) --worker-type thread --quiet & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; \
	$(BIN)/gunicorn --config gunicorn.conf.py --workers $(WORKERS) --bind $(HOST):$(PORT) --access-logfile - wsgi:app

# Debian's Chromium for the browser tests (never a browser download), a CJK font to render Chinese (pages and
# door-tag labels), and poppler-utils + libzbar0 to render printed label sheets and decode their QR codes in tests.
browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/pdftoppm ] || [ ! -d /usr/share/fonts/opentype/noto ] \
	  || ! /sbin/ldconfig -p | grep -q libzbar.so.0; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk poppler-utils libzbar0 >/dev/null \
	  || { echo "Could not install Debian's chromium; browser tests will be skipped (or fail with CI=true)."; }; \
	fi

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Debian's wrk drives the submit load of the bench (a load generator from the registry, no download of its own).
wrk:
	@if ! command -v wrk >/dev/null; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	fi

# Debian's postgresql-client: pg_dump and pg_restore, for the PostgreSQL backup and restore drill in the tests.
pgtools:
	@if ! command -v pg_dump >/dev/null || ! command -v pg_restore >/dev/null; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-client >/dev/null \
	  || { echo "Could not install postgresql-client; its restore drill will be skipped (or fail with CI=true)."; }; \
	fi

# The bench's smoke mode (tiny sizes, no timing asserted) runs with the tests so its scripts never rot.
# One worker per core (each with its own databases and live server); a file stays on one worker, in order.
# The smoke runs go two at a time (each mostly waits on its servers, wrk and Chromium; each has its own databases
# and ports): about 80 s less of CI. Either one failing fails the target.
test: install-dev browser wrk pgtools lint
	$(BIN)/pytest -n auto --dist loadfile
	BENCH_SMOKE=1 $(BIN)/python bench/run_all.py & all=$$!; \
	BENCH_SMOKE=1 $(BIN)/python bench/queue_jobs.py && \
	BENCH_SMOKE=1 $(BIN)/python bench/rollup_contention.py && \
	BENCH_SMOKE=1 $(BIN)/python bench/warning_feed.py; rest=$$?; \
	wait $$all && exit $$rest

# Measurements: writes bench/results.json and the generated table in bench/README.md (~35 minutes).
bench: install-dev browser wrk
	$(BIN)/python bench/run_all.py
	$(BIN)/python bench/scale_tallies.py
	$(BIN)/python bench/import_and_labels.py
	$(BIN)/python bench/queue_jobs.py
	$(BIN)/python bench/roster_preview.py
	$(BIN)/python bench/trust_day.py
	$(BIN)/python bench/rollup_contention.py
	$(BIN)/python bench/warning_feed.py
	$(BIN)/python bench/submit_rounds.py

bench-smoke: install-dev browser wrk
	BENCH_SMOKE=1 $(BIN)/python bench/run_all.py

# After changing user-facing strings: extract them and merge into the catalogs, then translate the .po.
translations: $(BIN)/.runtime
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o messages.pot . >/dev/null
	$(BIN)/pybabel update -i messages.pot -d fieldapp/translations --width 100 --no-fuzzy-matching --ignore-obsolete
	rm messages.pot

clean:
	rm -rf $(VENV) node_modules static/vendor
