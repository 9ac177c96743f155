# flask-order-messages — the two commands of the Quick start, and the rest of the workflow.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 5000
# The demo's mail sink (127.0.0.1), which catches the shop's mail for Mailbox (demo).
DEMO_MAIL_SINK_PORT ?= 8025
# Parallel test processes (pytest-xdist): two per core, since a test spends half its time
# waiting on its database, Chromium or a mail server; 0 runs the suite in this one.
WORKERS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) * 2 )))
# A pip constraints file for the install (CI's oldest-versions leg: .ci/oldest.txt).
CONSTRAINTS ?=
# The extras installed: the recipes' Flask-Security-Too and Flask-Admin need newer releases
# than the oldest Flask we support, so that leg installs "dev" alone.
EXTRAS ?= dev,recipes
# Examples per API operation and actor for `make fuzz` (CI's `make test` runs 10).
FUZZ_EXAMPLES ?= 200
export FLASK_APP := example_shop.app:create_app
export TEST_DATABASE_URL

.PHONY: demo test test-all-databases fuzz venv lint typecheck browser dovecot clean serve seed messages

# uv, when it is on the PATH (or named: UV=/path/to/uv), makes the virtualenv: the same
# packages in 4 seconds instead of pip's 28 (CI installs it first); pip otherwise.
UV ?= $(shell command -v uv 2>/dev/null)

$(VENV)/.installed: pyproject.toml $(CONSTRAINTS)
ifneq ($(UV),)
	$(UV) venv --quiet --seed --allow-existing --python $(PYTHON) $(VENV)
	VIRTUAL_ENV=$(VENV) $(UV) pip install --quiet $(if $(CONSTRAINTS),--constraint $(CONSTRAINTS)) -e ".[$(EXTRAS)]"
else
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet $(if $(CONSTRAINTS),--constraint $(CONSTRAINTS)) -e ".[$(EXTRAS)]"
endif
	touch $@

venv: $(VENV)/.installed

## make demo: install, seed the SQLite shop if it is empty, serve it on 127.0.0.1:$(PORT) with
## a mail sink on 127.0.0.1:$(DEMO_MAIL_SINK_PORT) whose mail staff read on Mailbox (demo)
## (SHOP_MARKETPLACE=1 make demo: the shop as a marketplace, see example_shop/README.md)
demo: venv
	$(PY) -m flask seed --if-empty
	$(PY) -m flask logins
	$(PY) -m flask demo --host 127.0.0.1 --port $(PORT) --mail-port $(DEMO_MAIL_SINK_PORT)

## make test: install, then run the whole suite (SQLite unless TEST_DATABASE_URL is set) in
## WORKERS processes; on a server database each process gets its own database (test_gw0...)
test: venv browser dovecot
	$(PY) -m pytest -n $(WORKERS) $(PYTEST_ARGS)

## make test-all-databases: the whole suite on SQLite (with the browser), then on PostgreSQL and
## on MariaDB (without it), as before a release; CI runs the whole suite on SQLite and the
## modules of tests/every_database.py on the two servers.  Database `test` on each server.
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
MARIADB_TEST_URL ?= mysql+pymysql://root@127.0.0.1:3306/test?charset=utf8mb4&ssl_disabled=1
test-all-databases: venv browser dovecot
	$(PY) -m pytest -n $(WORKERS) $(PYTEST_ARGS)
	TEST_DATABASE_URL="$(PG_TEST_URL)" $(PY) -m pytest -n $(WORKERS) -m "not browser" $(PYTEST_ARGS)
	TEST_DATABASE_URL="$(MARIADB_TEST_URL)" $(PY) -m pytest -n $(WORKERS) -m "not browser" $(PYTEST_ARGS)

## make fuzz: Schemathesis against the JSON API with FUZZ_EXAMPLES (200) examples per
## operation and actor, and 200 chains of calls along the document's links, instead of CI's 10
## (tests/test_api_fuzz.py; SQLite unless TEST_DATABASE_URL is set)
fuzz: venv
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest -n $(WORKERS) tests/test_api_fuzz.py $(PYTEST_ARGS)

## Debian's Chromium for the browser tests (installed when missing and we may install it).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's chromium for the browser tests..."; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null || \
	      { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; }; \
	  else echo "chromium not found: browser tests will be skipped (they never skip with CI=true)"; fi; }

## Debian's Dovecot for the fetch-mail tests, which start their own IMAP server from it (no
## system service is used): installed when missing and we may install it.
dovecot:
	@command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ] || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's dovecot-imapd for the fetch-mail tests..."; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q dovecot-imapd >/dev/null || \
	      { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q dovecot-imapd >/dev/null; }; \
	  else echo "dovecot not found: the IMAP tests will be skipped (they never skip with CI=true)"; fi; }

lint: venv
	$(VENV)/bin/ruff check flask_order_messages example_shop tests
	$(VENV)/bin/mypy --strict

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache screenshots

## make messages: extract every marked string into the catalogue template, merge it into each
## language's catalogue, compile them (tests/test_i18n_catalogues.py checks all three are done)
MESSAGES := flask_order_messages/translations
messages: venv
	$(PY) -m babel.messages.frontend extract -F babel.cfg --no-location --sort-output \
	  --project flask-order-messages --msgid-bugs-address "" \
	  -k lazy_gettext -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2 -k om_gettext -k om_ngettext:1,2 -k om_pgettext:1c,2 -k om_markup -k om_nmarkup:1,2 \
	  -o $(MESSAGES)/order_messages.pot .
	@for po in $(MESSAGES)/*/LC_MESSAGES/order_messages.po; do [ -e "$$po" ] || continue; \
	  $(PY) -m babel.messages.frontend update -D order_messages -i $(MESSAGES)/order_messages.pot \
	    -d $(MESSAGES) -l $$(basename $$(dirname $$(dirname $$po))) --no-fuzzy-matching; done
	@if ls $(MESSAGES)/*/LC_MESSAGES/order_messages.po >/dev/null 2>&1; then \
	  $(PY) -m babel.messages.frontend compile -D order_messages -d $(MESSAGES) --statistics; fi
