# flask-order-messages — the two commands of the Quick start, and the rest of the workflow.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 5000
export FLASK_APP := example_shop.app:create_app
export TEST_DATABASE_URL

.PHONY: demo test venv lint typecheck browser clean serve seed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

venv: $(VENV)/.installed

## make demo: install, seed the SQLite shop if it is empty, serve it on 127.0.0.1:$(PORT)
demo: venv
	$(PY) -m flask seed --if-empty
	$(PY) -m flask logins
	$(PY) -m flask run --host 127.0.0.1 --port $(PORT)

## make test: install, then run the whole suite (SQLite unless TEST_DATABASE_URL is set)
test: venv browser
	$(PY) -m pytest $(PYTEST_ARGS)

## Debian's Chromium for the browser tests (installed when missing and we may install it).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's chromium for the browser tests..."; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null || \
	      { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; }; \
	  else echo "chromium not found: browser tests will be skipped (they never skip with CI=true)"; fi; }

lint: venv
	$(VENV)/bin/ruff check flask_order_messages example_shop tests
	$(VENV)/bin/mypy --strict

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache screenshots
