# Two commands: `make run` (set up and serve with demo data) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app wsgi

.PHONY: run test install translations db demo chromium redis bench clean scheduler

$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.test-installed: requirements-test.txt $(VENV)/.installed
	$(BIN)/python -m pip install -q -r requirements-test.txt
	touch $@

install: $(VENV)/.installed translations

# Compiled catalogues are build output, so they are made here and not committed.
translations: $(VENV)/.installed
	$(BIN)/pybabel compile -f -d handbook/translations -D admin
	$(BIN)/pybabel compile -f -d handbook/translations -D wtforms

db: install
	$(FLASK) db upgrade

demo: db
	$(FLASK) seed demo --if-empty

# Cookies are Secure-only by default; this plain-HTTP server on 127.0.0.1 turns that off
# (SECURE_COOKIES=1 make run keeps it on, e.g. behind a local TLS proxy).
SECURE_COOKIES ?= 0
# The scheduler process runs beside the web server (uploaded PDFs become searchable through its
# extract-text job; the back office's "Tác vụ định kỳ" shows its heartbeat), logging to SCHEDULER_LOG.
# Both run in the background of one shell that waits for the web server, so a signal reaches the
# shell at once (a foreground child would hold it back): Ctrl-C, `kill` of make (it passes SIGTERM
# on) or the web server ending, e.g. when the port is taken, stops both and waits until they are gone.
SCHEDULER_LOG ?= instance/scheduler.log
run: demo
	@echo "Serving on http://127.0.0.1:$(PORT)/  (back office: /admin/); scheduler log: $(SCHEDULER_LOG)"
	@mkdir -p $(dir $(SCHEDULER_LOG)); \
	trap 'kill $$web $$scheduler 2>/dev/null; wait' EXIT; trap 'exit 130' INT; trap 'exit 143' TERM HUP; \
	$(FLASK) scheduler >> $(SCHEDULER_LOG) 2>&1 & scheduler=$$!; \
	SECURE_COOKIES=$(SECURE_COOKIES) $(BIN)/gunicorn -c gunicorn.conf.py --bind 127.0.0.1:$(PORT) wsgi:app & web=$$!; \
	wait $$web

# The periodic jobs (handbook/jobs.py), in a process of their own: run one next to the web server.
scheduler: db
	$(FLASK) scheduler

# Browser tests drive Debian's Chromium; install it when missing and we are allowed to.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium is missing: run 'sudo apt-get install -y chromium'" >&2; exit 1; fi; }

# The Redis-backed limits are tested against a local Redis (tests/test_throttle.py, a db number of its
# own): start one when none answers, installing it when missing and we are allowed to.
redis:
	@redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    command -v redis-server >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq redis-server >/dev/null; }; \
	    redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --save "" --appendonly no >/dev/null; \
	    for _ in $$(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done; \
	  else echo "Redis is not running: run 'sudo apt-get install -y redis-server'" >&2; exit 1; fi; }

test: $(VENV)/.test-installed translations chromium redis
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

# Benchmarks are not tests (CI never runs them): seed a thaibinh database, measure each figure as a
# ratio to a floor of the same run, write bench/results/. BENCH_ARGS e.g. --reuse, --database-url URL.
.PHONY: wrk
wrk:
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get install -y -qq wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }; \
	  else echo "wrk is missing: run 'sudo apt-get install -y wrk'" >&2; exit 1; fi; }

bench: install wrk
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
