#!/usr/bin/env bash
# bench-rest.sh — the REST routes the terminal loads its charts from, next to nginx serving the
# same bytes as a static file, in the same run (scripts/bench-http.sh for each):
#   GET /api/v1/aggregation/candles/BTCUSDT/1m?limit=500   (500 candles, ~52 KB)
#   GET /api/v1/candles/BTCUSDT/latest?interval=1m          (the open candle, ~150 B)
# Starts `tterminal simulate` (1,500 minutes of candle history) and `tterminal serve` fed by it
# through the live Binance code path, so memory holds real candle rings; stops both.
#
# Environment (defaults): BIN_DIR=.build/release  RUN_DIR=.run  WORKERS=2  DURATION=5  ROUNDS=2
#   REST_DURATION=10 (the open-loop run at half of tterminal's saturation rate)
#   SERVER_ENV="VAR=value …" (more server settings)
# Writes $RUN_DIR/bench-rest.json (one JSON line per route). Everything stays on 127.0.0.1.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN_DIR=${BIN_DIR:-$ROOT/.build/release}
RUN_DIR=${RUN_DIR:-$ROOT/.run}
WORKERS=${WORKERS:-2}
BIN=$BIN_DIR/tterminal
OUT=$RUN_DIR/bench-rest.json
mkdir -p "$RUN_DIR"
rm -f "$OUT"
# shellcheck source=lib.sh
. "$ROOT/scripts/lib.sh"
log() { echo "bench-rest: $*" >&2; }

READY=$(mktemp /tmp/tterminal-bench-rest.XXXXXX)
SIM= SERVE=
trap 'stop_all; rm -f "$READY"' EXIT

"$BIN" simulate --symbols BTCUSDT --rate 50 --history-minutes 1500 --ready-file "$READY" >/dev/null 2>"$RUN_DIR/bench-rest-sim.log" &
SIM=$!
for _ in $(seq 1 100); do [ -s "$READY" ] && break; sleep 0.1; done
[ -s "$READY" ] || { log "the simulator did not start"; exit 1; }
PORT=$(free_port)
env -i PATH=/usr/bin:/bin PORT="$PORT" HOST=127.0.0.1 WORKERS="$WORKERS" SHM_NAME=/tterminal-bench-rest-$PORT SYMBOLS=BTCUSDT \
  ENV_FILE=/dev/null RATE_LIMIT_RPS=0 FEED_SOURCE=simulator SPOT_WS_URLS="$(field spot)" FUTURES_WS_URLS="$(field futures)" \
  SPOT_REST_URLS="$(field rest)" FUTURES_REST_URLS="$(field futuresRest)" LOG_LEVEL=warning ${SERVER_ENV:-} \
  setsid "$BIN" serve >"$RUN_DIR/bench-rest-server.log" 2>&1 &
SERVE=$!
BASE=http://127.0.0.1:$PORT/api/v1
CANDLES="$BASE/aggregation/candles/BTCUSDT/1m?limit=500"
LATEST="$BASE/candles/BTCUSDT/latest?interval=1m"
# Ready when memory holds the 500 candles the route asks for.
for _ in $(seq 1 150); do
  n=$(curl -s --max-time 1 "$CANDLES" | sed -nE 's/.*"n":([0-9]+).*/\1/p' || true)
  [ "${n:-0}" -ge 500 ] && break
  sleep 0.2
done
[ "${n:-0}" -ge 500 ] || { log "the server never held 500 candles (n=${n:-none}); log:"; tail -20 "$RUN_DIR/bench-rest-server.log" >&2; exit 1; }

status=0
for url in "$CANDLES" "$LATEST"; do
  log "route ${url#"$BASE"}"
  json=$(mktemp /tmp/tterminal-bench-rest-json.XXXXXX)
  if URL="$url" WORKERS="$WORKERS" JSON_OUT="$json" TTERMINAL="$BIN" REST=1 "$ROOT/scripts/bench-http.sh"; then
    cat "$json" >> "$OUT"
  else
    log "bench-http failed for $url"; status=1
  fi
  rm -f "$json"
done
exit "$status"
