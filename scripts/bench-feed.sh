#!/usr/bin/env bash
# bench-feed.sh — the live feed's receive→ring-publish latency, fed by the simulator.
#
# Starts `tterminal simulate` (random walk, SIM_RATE events/s per symbol, spot and futures) and
# `tterminal serve` with FEED_SOURCE=simulator on loopback, lets it run FEED_SECONDS, then reads
# the feeder's latency histogram (frame decoded off the socket → record published in the ring,
# i.e. parse + dedupe + book + ring write) and its counters from `tterminal status --json`.
# Writes $RUN_DIR/bench-feed.json. Bounded; stops both processes on exit.
#
#   BIN_DIR=.build/release RUN_DIR=.run SIM_RATE=2000 FEED_SECONDS=10 SYMBOLS=BTCUSDT,ETHUSDT
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN_DIR=${BIN_DIR:-$ROOT/.build/release}
RUN_DIR=${RUN_DIR:-$ROOT/.run}
SIM_RATE=${SIM_RATE:-2000}
FEED_SECONDS=${FEED_SECONDS:-10}
SYMBOLS=${SYMBOLS:-BTCUSDT,ETHUSDT}
. "$ROOT/scripts/lib.sh"
BIN=$BIN_DIR/tterminal
OUT=$RUN_DIR/bench-feed.json
READY=$RUN_DIR/bench-feed-sim.json
mkdir -p "$RUN_DIR"; rm -f "$OUT" "$READY"
PORT=$(free_port)
SEG=/tterminal-bench-feed-$PORT
SIM=; SERVE=
cleanup() {
  [ -n "$SERVE" ] && kill -TERM "$SERVE" 2>/dev/null && timeout 15 tail --pid="$SERVE" -f /dev/null 2>/dev/null || true
  [ -n "$SIM" ] && kill -TERM "$SIM" 2>/dev/null && timeout 10 tail --pid="$SIM" -f /dev/null 2>/dev/null || true
}
trap cleanup EXIT
"$BIN" simulate --symbols "$SYMBOLS" --rate "$SIM_RATE" --ready-file "$READY" 2>"$RUN_DIR/bench-feed-sim.log" &
SIM=$!
for _ in $(seq 1 100); do [ -s "$READY" ] && break; sleep 0.1; done
[ -s "$READY" ] || { echo "bench-feed: simulator did not start" >&2; exit 1; }
env -i PATH=/usr/bin:/bin PORT="$PORT" HOST=127.0.0.1 WORKERS=1 SHM_NAME="$SEG" SYMBOLS="$SYMBOLS" ENV_FILE=/dev/null \
  FEED_SOURCE=simulator SPOT_WS_URLS="$(field spot)" FUTURES_WS_URLS="$(field futures)" \
  SPOT_REST_URLS="$(field rest)" FUTURES_REST_URLS="$(field futuresRest)" LOG_LEVEL=warning \
  "$BIN" serve 2>"$RUN_DIR/bench-feed-server.log" &
SERVE=$!
sleep "$FEED_SECONDS"
"$BIN" status --json --segment "$SEG" > "$RUN_DIR/bench-feed-status.json"
python3 - "$RUN_DIR/bench-feed-status.json" "$OUT" "$SIM_RATE" "$FEED_SECONDS" "$SYMBOLS" <<'PY'
import json, sys
status = json.load(open(sys.argv[1]))
feed = status["feed"]; c = feed["counters"]
out = {
    "sim_rate_per_symbol": float(sys.argv[3]), "seconds": float(sys.argv[4]), "symbols": sys.argv[5],
    "events_published": feed["records"], "events_measured": c["publish_latency_count"],
    "publish_latency_p50_us": c["publish_latency_p50_ns"] / 1000, "publish_latency_p99_us": c["publish_latency_p99_ns"] / 1000,
    "publish_latency_p999_us": c["publish_latency_p999_ns"] / 1000, "publish_latency_max_us": c["publish_latency_max_ns"] / 1000,
    "gaps": feed["gaps"], "malformed": c["malformed_frames"], "unplanned_drops": c["unplanned_drops"],
}
json.dump(out, open(sys.argv[2], "w"), indent=1)
print("feed: %d events in %.0f s from the simulator (%s, %s/s per symbol): receive->publish p50 %.1f us, p99 %.1f us, p99.9 %.1f us, max %.0f us; gaps %s"
      % (out["events_published"], out["seconds"], out["symbols"], sys.argv[3], out["publish_latency_p50_us"],
         out["publish_latency_p99_us"], out["publish_latency_p999_us"], out["publish_latency_max_us"], out["gaps"]))
PY
