#!/usr/bin/env bash
# bench-ws.sh — WebSocket fan-out figures: `tterminal loadtest ws` against `tterminal serve` fed by
# `tterminal simulate` (one symbol, BTCUSDT) on loopback. Each scenario starts a fresh simulator
# and server, runs one bounded load, and stops both (traps clean up on any exit):
#
#   a  1,000 connections × 100 trades/s, WORKERS=1   latency p50/p99/p99.9        (target p99 ≤ 5 ms)
#   a2 the same with WORKERS=2 (on two cores the harness needs one: compare)
#   b  10,000 connections × 20 trades/s, WORKERS=2: all delivered, delivered/offered (target p99 ≤ 25 ms)
#   c  saturation: 1,000 connections, ~2,000 trades/s offered (2 M deliveries/s): deliveries per
#      worker CPU-second (target ≥ 2 M) and harness CPU / server CPU (target ≤ 1/3)
#   d  10,000 idle connections: worker private dirty memory per connection (target ≤ 4 KB)
#   e  50,000 concurrent connections (6 workers, 4 client processes, 50 source addresses)
#
# The simulator's --rate is events/s per symbol (spot and futures, every event type), not
# trades/s. Futures aggregate trades/s measured here: --rate 100 → ~20, 200 → ~20, 1000 → ~100,
# 20000 → ~2,000 (about rate / 10 from 200 up; --rate 100 still gave ~20). Each
# scenario reads the simulator's last aggregate id before and after the run and reports the
# trades/s it really offered next to what each client received.
#
# Writes $RUN_DIR/bench-ws.json (and bench-ws-<s>.json per scenario). Builds nothing.
#
#   BIN_DIR=.build/release RUN_DIR=.run SCENARIOS="a a2 b c d e" WS_SECONDS=15 (measured per scenario)
#   WS_SERVER_ENV="VAR=value …" (more server settings), WS_EXTRA_ARGS (more loadtest options)
#   SERVER_CPUS / HARNESS_CPUS (taskset lists, unset: no pinning; a with 0 / 1: p99 5.6 ms vs 6.6)
#   HARNESS_PREFIX (a command the harness runs under, e.g. "chrt -i 0" for SCHED_IDLE)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN_DIR=${BIN_DIR:-$ROOT/.build/release}
RUN_DIR=${RUN_DIR:-$ROOT/.run}
SCENARIOS=${SCENARIOS:-a a2 b c d e}
WS_SECONDS=${WS_SECONDS:-15}
# shellcheck source=lib.sh
. "$ROOT/scripts/lib.sh"
BIN=$BIN_DIR/tterminal
OUT=$RUN_DIR/bench-ws.json
mkdir -p "$RUN_DIR"; rm -f "$OUT" "$RUN_DIR"/bench-ws-*.json "$RUN_DIR"/bench-ws-*.txt
[ -x "$BIN" ] || { echo "bench-ws: $BIN missing (make release)" >&2; exit 1; }
log() { echo "bench-ws: $*" >&2; }

SIM=; SERVE=; READY=$RUN_DIR/bench-ws-sim.json; PORT=; SEG=
trap stop_all EXIT
trap 'log interrupted; exit 130' INT
trap 'log terminated; exit 143' TERM


# start RATE WORKERS [VAR=value…]: the simulator at RATE events/s, then the server fed by it.
start() {
  local rate=$1 workers=$2; shift 2
  rm -f "$READY"
  "$BIN" simulate --symbols BTCUSDT --rate "$rate" --ready-file "$READY" >/dev/null 2>"$RUN_DIR/bench-ws-sim.log" &
  SIM=$!
  for _ in $(seq 1 100); do [ -s "$READY" ] && break; sleep 0.1; done
  [ -s "$READY" ] || { log "the simulator did not start"; return 1; }
  PORT=$(free_port); SEG=/tterminal-bench-ws-$PORT
  env -i PATH=/usr/bin:/bin PORT="$PORT" HOST=127.0.0.1 WORKERS="$workers" SHM_NAME="$SEG" SYMBOLS=BTCUSDT \
    ENV_FILE=/dev/null RATE_LIMIT_RPS=0 FEED_SOURCE=simulator SPOT_WS_URLS="$(field spot)" FUTURES_WS_URLS="$(field futures)" \
    SPOT_REST_URLS="$(field rest)" FUTURES_REST_URLS="$(field futuresRest)" LOG_LEVEL=warning "$@" ${WS_SERVER_ENV:-} \
    setsid ${SERVER_CPUS:+taskset -c "$SERVER_CPUS"} "$BIN" serve >"$RUN_DIR/bench-ws-server.log" 2>&1 &
  SERVE=$!
  for _ in $(seq 1 100); do
    curl -fs --max-time 1 -o /dev/null "http://127.0.0.1:$PORT/api/v1/health" && return 0
    sleep 0.1
  done
  log "the server did not answer on $PORT"; tail -n 20 "$RUN_DIR/bench-ws-server.log" >&2; return 1
}

# CPU time the hypervisor gave to others while ours wanted to run (all CPUs, clock ticks: the
# steal column of /proc/stat): a run with seconds of it measured a busy host, not the server.
steal_ticks() { awk '/^cpu /{print $9}' /proc/stat; }

# The simulator's last futures aggregate id and the time (s), for the offered rate.
sim_agg_id() {
  curl -fs --max-time 2 "$(field control)/state" | python3 -c '
import json, sys, time
s = json.load(sys.stdin)
print(next(i["lastAggTradeIdSent"] for i in s["instruments"] if i["venue"] == "futures"), time.time())'
}

SUBSCRIBE='{"type":"subscribe","symbol":"BTCUSDT","market":"futures","channels":["aggTrades"]}'

# scenario NAME LIMIT_S RATE WORKERS SERVER_ENV -- LOADTEST_ARGS…
scenario() {
  local name=$1 limit=$2 rate=$3 workers=$4 server_env=$5; shift 6
  log "scenario $name: simulator --rate $rate, WORKERS=$workers $server_env; loadtest $*"
  # shellcheck disable=SC2086
  start "$rate" "$workers" $server_env || { stop_all; return 1; }
  sleep 2 # the feed settles (books, first trades)
  local before after rc=0 steal0
  before=$(sim_agg_id); steal0=$(steal_ticks)
  timeout -k 5 "$limit" ${HARNESS_CPUS:+taskset -c "$HARNESS_CPUS"} ${HARNESS_PREFIX:-} "$BIN" loadtest ws --url "ws://127.0.0.1:$PORT/api/v1/websocket/connect" --status-shm "$SEG" \
    --json "$RUN_DIR/bench-ws-$name.json" --html "$RUN_DIR/bench-ws-$name.html" "$@" ${WS_EXTRA_ARGS:-} >"$RUN_DIR/bench-ws-$name.txt" || rc=$?
  after=$(sim_agg_id); steal0="$steal0 $(steal_ticks)"
  stop_all
  sed -n '1,/^{/p' "$RUN_DIR/bench-ws-$name.txt" | grep -v '^{' || true
  python3 - "$RUN_DIR/bench-ws-$name.json" "$before" "$after" "$rc" "$rate" "$workers" "$server_env" "$*" "$steal0" <<'PY'
import json, os, sys
path, before, after, rc, rate, workers, server_env, args, steal = sys.argv[1:]
try:
    r = json.load(open(path))
except (OSError, ValueError):
    r = {}
(b_id, b_t), (a_id, a_t) = before.split(), after.split()
r["bench"] = {"exit_code": int(rc), "sim_rate": float(rate), "workers": int(workers), "server_env": server_env,
              "loadtest_args": args, "offered_trades_per_s_measured": (int(a_id) - int(b_id)) / (float(a_t) - float(b_t)),
              "host_steal_s": (int(steal.split()[1]) - int(steal.split()[0])) / os.sysconf("SC_CLK_TCK")}
json.dump(r, open(path, "w"))
PY
  [ "$rc" = 0 ] || log "scenario $name: loadtest exit $rc"
}

echo "== websocket fan-out $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(nproc) cores; scenarios: $SCENARIOS"
for s in $SCENARIOS; do
  case $s in
    a|a2) scenario "$s" 60 1000 "$([ "$s" = a ] && echo 1 || echo 2)" "" -- --connections 1000 --arrival-rate 2000 --processes ${A_PROCESSES:-1} \
         --subscribe "$SUBSCRIBE" --warmup 3 --duration "$WS_SECONDS" --expect-rate 100 \
         --source-addresses "127.0.$([ "$s" = a ] && echo 1 || echo 6).1-127.0.$([ "$s" = a ] && echo 1 || echo 6).4" || true ;;
    b) scenario b 75 200 2 "" -- --connections 10000 --arrival-rate 5000 --subscribe "$SUBSCRIBE" \
         --warmup 3 --duration "$WS_SECONDS" --expect-rate 20 --require-all-delivered \
         --source-addresses 127.0.2.1-127.0.2.10 || true ;;
    c) scenario c 60 20000 2 "" -- --connections 1000 --arrival-rate 2000 \
         --subscribe "$SUBSCRIBE" --warmup 3 --duration "$WS_SECONDS" --expect-rate 2000 \
         --source-addresses 127.0.3.1-127.0.3.4 || true ;;
    d) scenario d 45 100 2 "" -- --connections 10000 --arrival-rate 5000 --idle \
         --warmup 2 --duration 5 --source-addresses 127.0.4.1-127.0.4.10 || true ;;
    e) scenario e 100 100 6 "WS_MAX_CONNECTIONS=15000" -- --connections 50000 \
         --arrival-rate 2500 --processes 4 --subscribe "$SUBSCRIBE" --warmup 3 --duration 10 --connect-timeout 20 \
         --source-addresses 127.0.5.1-127.0.5.50 || true ;;
    *) log "unknown scenario $s" ;;
  esac
done

python3 "$ROOT/scripts/bench_ws_summary.py" "$RUN_DIR" "$OUT" "$SCENARIOS"
echo "== websocket results: $OUT"
