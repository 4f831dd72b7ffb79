# tterminal — build, test, run and benchmark.
#
#   make            list the targets
#   make test       what CI runs: deps, build, local PostgreSQL + Redis, swift test, stop them
#
# Everything this project needs on a fresh Debian 12 machine is installed by `make deps`.
# Services run privately (own ports, own data dirs) and never on the system's default ports.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.ONESHELL:
.DEFAULT_GOAL := help
.NOTPARALLEL:
MAKEFLAGS += --no-print-directory
# Recipes are one shell each (.ONESHELL), and GNU make runs a recipe that names $(MAKE)
# even under `make -n`; calling sub-makes through this variable keeps -n a dry run.
SUBMAKE = $(MAKE)

SWIFT        ?= swift
# Where SwiftPM builds. CI and `make test` use the default; a second checkout or a
# concurrent session can use e.g. SCRATCH_PATH=$(CURDIR)/.build-make (gitignored).
SCRATCH_PATH ?= $(CURDIR)/.build
# Extra flags for every swift build/test/run. Dependencies build cleanly with it (checked
# with Swift 6.3.1); override with `make test BUILD_FLAGS=` to let warnings pass.
BUILD_FLAGS  ?= -Xswiftc -warnings-as-errors
SWIFT_FLAGS   = --scratch-path $(SCRATCH_PATH) $(BUILD_FLAGS)

RUN_DIR      ?= $(CURDIR)/.run
PG_PORT      ?= 55432
REDIS_PORT   ?= 56379
PG_DB        ?= tterminal
# `make test` starts from an empty database and Redis (the cluster outlives runs, and CI may
# run on the machine a session left behind); FRESH_DB=0 keeps what is there.
FRESH_DB     ?= 1
PG_BIN       ?= /usr/lib/postgresql/15/bin
# PostgreSQL refuses to run as root, so its files live where the postgres user can always
# reach them (a checkout may sit under a root-only directory such as /root).
PG_DIR       ?= /tmp/tterminal-pg-$(PG_PORT)
PG_DATA       = $(PG_DIR)/data
PG_LOG        = $(PG_DIR)/postgres.log
REDIS_DIR     = $(RUN_DIR)/redis
REDIS_PID     = $(RUN_DIR)/redis.pid
REDIS_LOG     = $(RUN_DIR)/redis.log

DATABASE_URL ?= postgres://postgres@127.0.0.1:$(PG_PORT)/$(PG_DB)?sslmode=disable
REDIS_URL    ?= redis://127.0.0.1:$(REDIS_PORT)/0
DEBUG_BIN     = $(SCRATCH_PATH)/debug/tterminal
RELEASE_BIN   = $(SCRATCH_PATH)/release/tterminal

# As root, PostgreSQL's tools run as the postgres user; as anyone else, as that user.
ifeq ($(shell id -u),0)
PG_AS := runuser -u postgres --
else
PG_AS :=
endif

DEB_PACKAGES := liburing-dev libpq-dev libhiredis-dev libssl-dev zlib1g-dev \
	postgresql-15 postgresql-client-15 redis-server nginx-light wrk \
	python3 python3-pip python3-venv procps iproute2 curl ca-certificates
# Python clients from other ecosystems that tests point at tterminal (a real Binance client
# library at the simulator, a real WebSocket client at the server), in a private venv.
PY_PACKAGES  := binance-connector==3.13.0 websockets==15.0.1
PY_VENV      ?= $(RUN_DIR)/venv
PYTHON        = $(PY_VENV)/bin/python3

export DEBIAN_FRONTEND := noninteractive

.PHONY: help deps deps-debian deps-python build autobahn release services services-stop services-status migrate test run demo bench clean

help: ## list the targets
	@echo "tterminal targets:"
	awk -F ':.*## ' '/^[a-z-]+:.*## / { printf "  %-16s %s\n", $$1, $$2 }' $(firstword $(MAKEFILE_LIST))
	echo
	echo "variables: SCRATCH_PATH=$(SCRATCH_PATH) BUILD_FLAGS='$(BUILD_FLAGS)'"
	echo "           RUN_DIR=$(RUN_DIR) PG_PORT=$(PG_PORT) REDIS_PORT=$(REDIS_PORT) PG_DIR=$(PG_DIR)"

deps: ## install the Debian and Python packages the project needs (quick when present)
	@$(SUBMAKE) deps-debian
	$(SUBMAKE) deps-python

deps-python: ## the Python packages tests use, in RUN_DIR/venv
	@if [ -x "$(PYTHON)" ] && "$(PYTHON)" -c 'import binance, websockets' 2>/dev/null; then
	  echo "deps: python packages present ($(PY_VENV))"; exit 0
	fi
	mkdir -p "$(RUN_DIR)"
	[ -x "$(PYTHON)" ] || /usr/bin/python3 -m venv "$(PY_VENV)"
	"$(PYTHON)" -m pip install -q --disable-pip-version-check $(PY_PACKAGES)
	echo "deps: python packages installed in $(PY_VENV)"

deps-debian: ## the Debian packages (quick when present)
	@missing=()
	for p in $(DEB_PACKAGES); do
	  st=$$(dpkg-query -W -f='$${db:Status-Status}' "$$p" 2>/dev/null || true)
	  [ "$$st" = installed ] || missing+=("$$p")
	done
	if [ $${#missing[@]} -eq 0 ]; then echo "deps: all $(words $(DEB_PACKAGES)) packages present"; exit 0; fi
	echo "deps: installing $${missing[*]}"
	if [ "$$(id -u)" -ne 0 ]; then echo "deps: need root to install: $${missing[*]}" >&2; exit 1; fi
	# Keep package scripts from starting system services (nginx on :80, redis on :6379,
	# the 15/main cluster on :5432): a temporary policy-rc.d, unless one is already there.
	own_policy=0
	if [ ! -e /usr/sbin/policy-rc.d ]; then
	  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; own_policy=1
	fi
	trap '[ $$own_policy = 1 ] && rm -f /usr/sbin/policy-rc.d || true' EXIT
	apt_opts=(-o DPkg::Lock::Timeout=300 -o Acquire::Retries=3)
	apt-get "$${apt_opts[@]}" update -qq || { sleep 5; apt-get "$${apt_opts[@]}" update -qq; }
	apt-get "$${apt_opts[@]}" install -y -q --no-install-recommends \
	  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$${missing[@]}"
	# Belt and braces: whatever came up anyway is stopped.
	service nginx stop >/dev/null 2>&1 || true
	service redis-server stop >/dev/null 2>&1 || true
	pg_ctlcluster 15 main stop >/dev/null 2>&1 || true
	echo "deps: done"

build: deps ## debug build (swift build with BUILD_FLAGS)
	@$(SWIFT) build $(SWIFT_FLAGS)

autobahn: deps ## Autobahn WebSocket conformance suite against one worker's echo route
	@SCRATCH_PATH="$(SCRATCH_PATH)" BUILD_FLAGS="$(BUILD_FLAGS)" "$(CURDIR)/scripts/autobahn.sh"

release: deps ## release build (swift build -c release)
	@$(SWIFT) build -c release $(SWIFT_FLAGS)

services: deps ## start private PostgreSQL 15 and Redis on loopback (idempotent)
	@mkdir -p "$(RUN_DIR)" "$(REDIS_DIR)"
	ln -sfn "$(PG_DIR)" "$(RUN_DIR)/pg"
	# ---- PostgreSQL
	if [ -n "$(PG_AS)" ]; then owner=postgres; else owner=$$(id -un); fi
	if [ ! -f "$(PG_DATA)/PG_VERSION" ]; then
	  case "$(PG_DIR)" in /|"") echo "services: bad PG_DIR" >&2; exit 1;; esac
	  rm -rf "$(PG_DIR)"
	  install -d -m 0755 -o "$$owner" "$(PG_DIR)" "$(PG_DIR)/socket"
	  install -d -m 0700 -o "$$owner" "$(PG_DATA)"
	  (cd / && $(PG_AS) "$(PG_BIN)/initdb" -D "$(PG_DATA)" -U postgres -A trust -E UTF8 \
	     --locale=C.UTF-8 >"$(PG_DIR)/initdb.log" 2>&1) \
	    || { echo "services: initdb failed:" >&2; cat "$(PG_DIR)/initdb.log" >&2; exit 1; }
	  { echo "# tterminal: private test/dev cluster"
	    echo "listen_addresses = '127.0.0.1'"
	    echo "port = $(PG_PORT)"
	    echo "unix_socket_directories = '$(PG_DIR)/socket'"
	    echo "fsync = off"
	    echo "synchronous_commit = off"
	    echo "full_page_writes = off"
	    echo "max_connections = 200"
	  } > "$(PG_DATA)/conf.d.tterminal"
	  echo "include = 'conf.d.tterminal'" >> "$(PG_DATA)/postgresql.conf"
	  chown "$$owner" "$(PG_DATA)/conf.d.tterminal"
	fi
	if (cd / && $(PG_AS) "$(PG_BIN)/pg_ctl" status -D "$(PG_DATA)") >/dev/null 2>&1; then
	  echo "services: postgres already running"
	else
	  if ss -Htln "sport = :$(PG_PORT)" | grep -q .; then
	    echo "services: port $(PG_PORT) is taken by another process; set PG_PORT=..." >&2; exit 1
	  fi
	  (cd / && $(PG_AS) "$(PG_BIN)/pg_ctl" -D "$(PG_DATA)" -l "$(PG_LOG)" -w -t 60 start >/dev/null) \
	    || { echo "services: postgres failed to start:" >&2; tail -n 30 "$(PG_LOG)" >&2; exit 1; }
	  echo "services: postgres started on 127.0.0.1:$(PG_PORT) (data $(PG_DATA))"
	fi
	exists=$$("$(PG_BIN)/psql" -h 127.0.0.1 -p $(PG_PORT) -U postgres -d postgres -XtAc \
	  "select 1 from pg_database where datname = '$(PG_DB)'")
	if [ "$$exists" != 1 ]; then
	  "$(PG_BIN)/psql" -h 127.0.0.1 -p $(PG_PORT) -U postgres -d postgres -Xq -c 'create database "$(PG_DB)"'
	  echo "services: created database $(PG_DB)"
	fi
	# ---- Redis
	if [ -s "$(REDIS_PID)" ] && kill -0 "$$(cat "$(REDIS_PID)")" 2>/dev/null \
	   && redis-cli -h 127.0.0.1 -p $(REDIS_PORT) ping 2>/dev/null | grep -q PONG; then
	  echo "services: redis already running"
	else
	  if ss -Htln "sport = :$(REDIS_PORT)" | grep -q .; then
	    echo "services: port $(REDIS_PORT) is taken by another process; set REDIS_PORT=..." >&2; exit 1
	  fi
	  rm -f "$(REDIS_PID)"
	  redis-server --bind 127.0.0.1 --port $(REDIS_PORT) --daemonize yes \
	    --pidfile "$(REDIS_PID)" --dir "$(REDIS_DIR)" --logfile "$(REDIS_LOG)" \
	    --save '' --appendonly no
	  for i in $$(seq 1 100); do
	    redis-cli -h 127.0.0.1 -p $(REDIS_PORT) ping 2>/dev/null | grep -q PONG && break
	    [ $$i = 100 ] && { echo "services: redis did not answer:" >&2; tail -n 20 "$(REDIS_LOG)" >&2; exit 1; }
	    sleep 0.1
	  done
	  echo "services: redis started on 127.0.0.1:$(REDIS_PORT)"
	fi
	echo "DATABASE_URL=$(DATABASE_URL)"
	echo "REDIS_URL=$(REDIS_URL)"

services-stop: ## stop the private PostgreSQL and Redis
	@if [ -f "$(PG_DATA)/PG_VERSION" ] && (cd / && $(PG_AS) "$(PG_BIN)/pg_ctl" status -D "$(PG_DATA)") >/dev/null 2>&1; then
	  (cd / && $(PG_AS) "$(PG_BIN)/pg_ctl" -D "$(PG_DATA)" -m fast -w -t 60 stop >/dev/null)
	  echo "services-stop: postgres stopped"
	else
	  echo "services-stop: postgres not running"
	fi
	if [ -s "$(REDIS_PID)" ] && pid=$$(cat "$(REDIS_PID)") && kill -0 "$$pid" 2>/dev/null; then
	  kill -TERM "$$pid"
	  for i in $$(seq 1 100); do kill -0 "$$pid" 2>/dev/null || break; sleep 0.1; done
	  if kill -0 "$$pid" 2>/dev/null; then kill -KILL "$$pid" || true; sleep 0.2; fi
	  rm -f "$(REDIS_PID)"
	  echo "services-stop: redis stopped"
	else
	  rm -f "$(REDIS_PID)"
	  echo "services-stop: redis not running"
	fi

services-status: ## show whether the private services are up
	@if (cd / && $(PG_AS) "$(PG_BIN)/pg_ctl" status -D "$(PG_DATA)") >/dev/null 2>&1; then echo "postgres: up (127.0.0.1:$(PG_PORT))"; else echo "postgres: down"; fi
	if redis-cli -h 127.0.0.1 -p $(REDIS_PORT) ping 2>/dev/null | grep -q PONG; then echo "redis: up (127.0.0.1:$(REDIS_PORT))"; else echo "redis: down"; fi

migrate: services ## apply database migrations (tterminal migrate up)
	@export DATABASE_URL='$(DATABASE_URL)'
	$(SWIFT) run $(SWIFT_FLAGS) tterminal migrate up

test: deps build ## deps, build, services, swift test; services are always stopped after
	@trap '$(SUBMAKE) services-stop' EXIT
	$(SUBMAKE) services
	if [ "$(FRESH_DB)" = 1 ]; then
	  "$(PG_BIN)/psql" -h 127.0.0.1 -p $(PG_PORT) -U postgres -d postgres -Xq \
	    -c 'drop database if exists "$(PG_DB)" with (force)' -c 'create database "$(PG_DB)"'
	  redis-cli -h 127.0.0.1 -p $(REDIS_PORT) flushall >/dev/null
	  echo "test: database $(PG_DB) recreated, redis flushed (FRESH_DB=0 keeps them)"
	fi
	export DATABASE_URL='$(DATABASE_URL)' REDIS_URL='$(REDIS_URL)' TTERMINAL_BIN='$(DEBUG_BIN)' TTERMINAL_PYTHON='$(PYTHON)'
	$(SWIFT) build --build-tests $(SWIFT_FLAGS)
	# Serial: the end-to-end tests start servers and judge heartbeats, which a
	# concurrent CPU-heavy stress test on two cores would disturb.
	$(SWIFT) test $(SWIFT_FLAGS) --no-parallel

# run/demo: tterminal reads the environment, then .env (or the file ENV_FILE names) for what the environment
# leaves unset. DATABASE_URL / REDIS_URL point at the private services started here unless the
# environment or that file already names them; nothing else from .env is exported, so a reload
# (HUP) still re-reads the file.
define export_urls
	envfile="$${ENV_FILE:-.env}"
	in_file() { [ -f "$$envfile" ] && grep -Eq "^[[:space:]]*(export[[:space:]]+)?$$1[[:space:]]*=[[:space:]]*[^[:space:]#]" "$$envfile"; }
	if [ -z "$${DATABASE_URL:-}" ] && ! in_file DATABASE_URL; then export DATABASE_URL='$(DATABASE_URL)'; fi
	if [ -z "$${REDIS_URL:-}" ] && ! in_file REDIS_URL; then export REDIS_URL='$(REDIS_URL)'; fi
	echo "$(@): DATABASE_URL=$${DATABASE_URL:-(from $$envfile)} REDIS_URL=$${REDIS_URL:-(from $$envfile)}"
endef

run: deps release ## release build, services, then tterminal serve in the foreground
	@$(SUBMAKE) services
	$(export_urls)
	exec "$(RELEASE_BIN)" serve

demo: deps release ## the server fed by the simulator (tterminal simulate) through the live Binance code path
	@$(SUBMAKE) services
	$(export_urls)
	mkdir -p "$(RUN_DIR)"
	ready="$(RUN_DIR)/simulator.json"; rm -f "$$ready"
	"$(RELEASE_BIN)" simulate --symbols "$${SYMBOLS:-BTCUSDT,ETHUSDT,BNBUSDT,ADAUSDT,SOLUSDT}" --rate "$${SIM_RATE:-50}" \
	  --ready-file "$$ready" 2>"$(RUN_DIR)/simulator.log" &
	sim=$$!
	trap 'kill $$sim 2>/dev/null || true; wait $$sim 2>/dev/null || true' EXIT
	for i in $$(seq 1 100); do [ -s "$$ready" ] && break; sleep 0.1; done
	[ -s "$$ready" ] || { echo "demo: the simulator did not start; see $(RUN_DIR)/simulator.log" >&2; exit 1; }
	field() { sed -E "s/.*\"$$1\":\"([^\"]*)\".*/\1/" "$$ready"; }
	export FEED_SOURCE=simulator SPOT_WS_URLS=$$(field spot) FUTURES_WS_URLS=$$(field futures) \
	  SPOT_REST_URLS=$$(field rest) FUTURES_REST_URLS=$$(field futuresRest)
	export SYMBOLS="$${SYMBOLS:-BTCUSDT,ETHUSDT,BNBUSDT,ADAUSDT,SOLUSDT}"
	echo "demo: simulator at $$SPOT_WS_URLS (spot) and $$FUTURES_WS_URLS (futures); control API $$(field control)"
	"$(RELEASE_BIN)" serve

bench: deps release ## ring + HTTP benchmarks; writes RUN_DIR/bench-results.json
	@mkdir -p "$(RUN_DIR)"
	RUN_DIR="$(RUN_DIR)" BIN_DIR="$(SCRATCH_PATH)/release" "$(CURDIR)/scripts/bench.sh"

clean: ## stop services, remove the build folder and the run directory
	@$(SUBMAKE) services-stop || true
	rm -rf "$(SCRATCH_PATH)" "$(RUN_DIR)" "$(PG_DIR)"
