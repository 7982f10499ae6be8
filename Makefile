# The two commands a newcomer needs: `make run` and `make test`. Both install what they need.
UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := python3 -m uv
endif
PYTEST_WORKERS ?= 2

.PHONY: help uv install browser run test lint format bench

help:
	@echo "make run    serve the platform on the embedded default (SQLite, in-process worker, local key file)"
	@echo "make test   run the whole suite, on SQLite and on PostgreSQL, and in Chromium"
	@echo "make lint   ruff and mypy (strict on src/)"
	@echo "make bench  run the benchmarks"

uv:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv

install: uv
	@$(UV) sync --frozen --quiet

# The browser tests drive Debian's chromium (/usr/bin/chromium) with Playwright, which talks to
# it directly: no driver binary. Installed here when missing and apt-get is usable (as root);
# otherwise those tests skip and say why. Never fails the build.
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		echo "installing chromium for the browser tests"; \
		(DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 || \
		 (apt-get update -qq >/dev/null 2>&1 && \
		  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1)) || \
		echo "chromium could not be installed: the browser tests will be skipped"; \
	else echo "no chromium and no apt-get: the browser tests will be skipped"; fi

run: install
	$(UV) run omniwise serve --host $${OMNIWISE_HOST:-127.0.0.1} --port $${OMNIWISE_PORT:-8000}

test: install browser
	$(UV) run pytest -n $(PYTEST_WORKERS) -p no:cacheprovider

lint: install
	$(UV) run ruff check src tests bench
	$(UV) run ruff format --check src tests bench
	$(UV) run mypy

format: install
	$(UV) run ruff format src tests bench
	$(UV) run ruff check --fix src tests bench

bench: install
	$(UV) run python bench/crypto_fields.py
	$(UV) run python bench/retention.py
	$(UV) run python bench/zendesk_webhooks.py
	$(UV) run python bench/zendesk_sync.py
	$(UV) run python bench/privacy_requests.py
