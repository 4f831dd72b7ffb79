#!/usr/bin/env bash
# The Autobahn|Testsuite against the worker's echo route: build tterminal, serve it with one
# worker on a free loopback port, wait for /api/v1/health, run the suite, stop the server, and
# exit with the suite's status. The suite's last line reads "N passed, N failed".
#   scripts/autobahn.sh [CASES...]     e.g. scripts/autobahn.sh '1.*' '5.*'
# Environment: SCRATCH_PATH (SwiftPM build folder, default ROOT/.build), CONFIG (debug|release,
# default release: the 9.* cases move 16 MiB messages), BUILD_FLAGS, PORT (default: a free one),
# BIN (a tterminal binary to use as is: no build).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SCRATCH_PATH=${SCRATCH_PATH:-$ROOT/.build}
CONFIG=${CONFIG:-release}
AUTOBAHN=${AUTOBAHN:-$ROOT/../shared/tools/autobahn}
read -r -a build_flags <<< "${BUILD_FLAGS:--Xswiftc -warnings-as-errors}"

if [ -z "${BIN:-}" ]; then
  swift build -c "$CONFIG" --scratch-path "$SCRATCH_PATH" "${build_flags[@]}" --product tterminal
  BIN="$SCRATCH_PATH/$CONFIG/tterminal"
fi

PORT=${PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
LOG=$(mktemp /tmp/tterminal-autobahn-XXXXXX.log)
# Autobahn's 9.* cases send messages of up to 16 MiB to the echo route (64 KiB by default).
PORT=$PORT HOST=127.0.0.1 WORKERS=1 SHM_NAME=/tterminal-autobahn-$PORT ENV_FILE=/dev/null RATE_LIMIT_RPS=0 WS_ECHO_MAX_BYTES=16777216 \
  FEED_SOURCE=replay REPLAY_FILE="$ROOT/fixtures/binance/hftbacktest/spot_btcusdt_20240808.gz" \
  "$BIN" serve >"$LOG" 2>&1 &
server=$!
stop_server() {
  kill -TERM "$server" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
}
trap stop_server EXIT

for i in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$PORT/api/v1/health" >/dev/null 2>&1 && break
  if ! kill -0 "$server" 2>/dev/null || [ "$i" = 100 ]; then
    echo "autobahn.sh: server did not come up on $PORT; its log ($LOG):" >&2
    tail -n 30 "$LOG" >&2
    exit 2
  fi
  sleep 0.1
done

start=$(date +%s)
status=0
"$AUTOBAHN" run "ws://127.0.0.1:$PORT/api/v1/websocket/echo" "$@" || status=$?
echo "autobahn.sh: suite took $(( $(date +%s) - start )) s (server log: $LOG)"
exit "$status"
