#!/usr/bin/env bash
# bench-faults.sh — what WebSocket clients see when the server is hurt mid-run: `tterminal loadtest
# ws --fault …` against `tterminal serve` fed by `tterminal simulate` (BTCUSDT) on loopback. One
# fresh simulator and server (WORKERS=2, RATE_LIMIT_RPS=0); CONNECTIONS clients subscribe to
# futures aggTrades with channels (so they can resume), and during the measured window:
#
#   kill-worker@10s  KILL one worker: its clients reconnect (to the other worker or its
#                    replacement) and resume from their last seq
#   kill-feeder@20s  KILL the feeder: a new feeder, a new ring epoch; clients stay connected
#   hup@30s          HUP the supervisor: workers are rolled, every client reconnects
#   sim-drop@40s     the simulator resets the feeder's futures connections (TCP RST)
#
# Clients reconnect after 50 ms doubling to 1 s (jittered). The report's faults table gives per
# fault: clients disconnected, reconnect time (loss → subscribed again) p50/p99/max, resumes
# recovered/impossible (with reasons), messages replayed, trade ids lost for good, duplicates,
# gap notices, and recovery time (fault → first live trade of each affected client; the max is
# "every one live again").
#
# Writes $RUN_DIR/bench-faults.json (the loadtest report plus a "bench" object), .html and .txt.
# Bounded: the load test is killed after 150 s; the whole script takes about 75 s. Builds nothing.
#
#   BIN_DIR=.build/release RUN_DIR=.run CONNECTIONS=2000 SIM_RATE=1000 WINDOW_S=55
#   FAULTS="kill-worker@10s kill-feeder@20s hup@30s sim-drop@40s"
#   SERVER_ENV="VAR=value …" (more server settings)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN_DIR=${BIN_DIR:-$ROOT/.build/release}
RUN_DIR=${RUN_DIR:-$ROOT/.run}
CONNECTIONS=${CONNECTIONS:-2000}
SIM_RATE=${SIM_RATE:-1000}
WINDOW_S=${WINDOW_S:-55}
FAULTS=${FAULTS:-kill-worker@10s kill-feeder@20s hup@30s sim-drop@40s}
# shellcheck source=lib.sh
. "$ROOT/scripts/lib.sh"
BIN=$BIN_DIR/tterminal
OUT=$RUN_DIR/bench-faults.json
mkdir -p "$RUN_DIR"; rm -f "$OUT" "$RUN_DIR"/bench-faults.{txt,html,log}
[ -x "$BIN" ] || { echo "bench-faults: $BIN missing (make release)" >&2; exit 1; }
log() { echo "bench-faults: $*" >&2; }

SIM=; SERVE=; READY=$RUN_DIR/bench-faults-sim.json; PORT=; SEG=
trap stop_all EXIT
trap 'log interrupted; exit 130' INT
trap 'log terminated; exit 143' TERM


# The simulator, then the server fed by it (as scripts/bench-ws.sh starts them).
rm -f "$READY"
"$BIN" simulate --symbols BTCUSDT --rate "$SIM_RATE" --ready-file "$READY" >/dev/null 2>"$RUN_DIR/bench-faults-sim.log" &
SIM=$!
for _ in $(seq 1 100); do [ -s "$READY" ] && break; sleep 0.1; done
[ -s "$READY" ] || { log "the simulator did not start"; exit 1; }
PORT=$(free_port); SEG=/tterminal-bench-faults-$PORT
env -i PATH=/usr/bin:/bin PORT="$PORT" HOST=127.0.0.1 WORKERS=2 SHM_NAME="$SEG" SYMBOLS=BTCUSDT \
  ENV_FILE=/dev/null RATE_LIMIT_RPS=0 FEED_SOURCE=simulator SPOT_WS_URLS="$(field spot)" FUTURES_WS_URLS="$(field futures)" \
  SPOT_REST_URLS="$(field rest)" FUTURES_REST_URLS="$(field futuresRest)" LOG_LEVEL=warning ${SERVER_ENV:-} \
  setsid "$BIN" serve >"$RUN_DIR/bench-faults-server.log" 2>&1 &
SERVE=$!
healthy=0
for _ in $(seq 1 100); do
  curl -fs --max-time 1 -o /dev/null "http://127.0.0.1:$PORT/api/v1/health" && { healthy=1; break; }
  sleep 0.1
done
[ "$healthy" = 1 ] || { log "the server did not answer on $PORT"; tail -n 20 "$RUN_DIR/bench-faults-server.log" >&2; exit 1; }
sleep 2 # the feed settles (books, first trades)

fault_args=()
for f in $FAULTS; do fault_args+=(--fault "$f"); done
SUBSCRIBE='{"type":"subscribe","symbol":"BTCUSDT","market":"futures","channels":["aggTrades"]}'
echo "== websocket faults $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(nproc) cores: $CONNECTIONS clients, simulator --rate $SIM_RATE, WORKERS=2; $FAULTS"
rc=0
timeout -k 5 150 "$BIN" loadtest ws --url "ws://127.0.0.1:$PORT/api/v1/websocket/connect" --status-shm "$SEG" \
  --sim-control "$(field control)" --connections "$CONNECTIONS" --arrival-rate 2000 --subscribe "$SUBSCRIBE" \
  --warmup 2 --duration "$WINDOW_S" --connect-timeout 10 --source-addresses 127.0.7.1-127.0.7.4 "${fault_args[@]}" \
  --json "$OUT" --html "$RUN_DIR/bench-faults.html" >"$RUN_DIR/bench-faults.txt" 2>"$RUN_DIR/bench-faults.log" || rc=$?
stop_all
sed -n '1,/^{/p' "$RUN_DIR/bench-faults.txt" | grep -v '^{' || true
grep -E '^loadtest: fault ' "$RUN_DIR/bench-faults.log" || true
python3 - "$OUT" "$rc" "$SIM_RATE" "$CONNECTIONS" "$FAULTS" <<'PY'
import json, sys
path, rc, rate, connections, faults = sys.argv[1:]
try:
    r = json.load(open(path))
except (OSError, ValueError):
    r = {}
r["bench"] = {"exit_code": int(rc), "sim_rate": float(rate), "workers": 2, "connections": int(connections), "faults": faults.split()}
json.dump(r, open(path, "w"))
for problem in r.get("problems", []):
    print("problem: " + problem)
if "mode" not in r:
    print("FAILED: loadtest wrote no report (exit %s)" % rc)
PY
[ "$rc" = 0 ] || log "loadtest exit $rc (its problems are in $RUN_DIR/bench-faults.log)"
echo "== websocket fault results: $OUT"
exit "$rc"
