# The two commands a newcomer needs: `make run` and `make test`. Both install what they need.
UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := python3 -m uv
endif
PYTEST_WORKERS ?= 2

.PHONY: help uv install chromium run test lint format bench

help:
	@echo "make run    serve the platform on the embedded default (SQLite, in-process worker, local key file)"
	@echo "make test   run the whole suite, on SQLite and on PostgreSQL, and in Chromium"
	@echo "make lint   ruff and mypy (strict on src/)"
	@echo "make bench  run the benchmarks"

uv:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv

install: uv
	@$(UV) sync --frozen --quiet

run: install
	$(UV) run omniwise serve --host $${OMNIWISE_HOST:-127.0.0.1} --port $${OMNIWISE_PORT:-8000}

# Debian's chromium for the browser tests; a no-op when present, and never a failure: without
# it (no apt, no package) the browser tests skip and say why.
chromium:
	@if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing Debian's chromium for the browser tests"; \
		(DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -q chromium chromium-driver >/dev/null 2>&1 || \
		 (timeout 300 apt-get update -q >/dev/null 2>&1 && \
		  DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -q chromium chromium-driver >/dev/null 2>&1)) || \
		echo "could not install chromium; the browser tests will be skipped"; \
	fi

test: install chromium
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
