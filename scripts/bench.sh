#!/usr/bin/env bash
# bench.sh — the umbrella benchmark run by `make bench` (which builds the release binaries).
#
#   1. the shared-memory ring benchmark:  tterminal-bench ring --json
#   2. tterminal serve on a free loopback port, then scripts/bench-http.sh against
#      /api/v1/health, compared with nginx
#   2b. WebSocket fan-out (scripts/bench-ws.sh, its own servers, at most 6 minutes)
#   2b'. the fan-out floor: bare loopback TCP in the shapes of (a), (a2), (b) and (c) without
#       tterminal (tterminal-fanout-floor, about 30 s, at most 60 s)
#   2c. REST candles and latest candle vs nginx (scripts/bench-rest.sh, its own simulator and server)
#   2d. faults during a WebSocket run: kill -9 a worker, the feeder, HUP, a simulator drop
#       (scripts/bench-faults.sh)
#   3. a summary in $RUN_DIR/bench-results.json, and one table of the headline figures
#
# Builds nothing. Bounded in time: ring + HTTP by BENCH_TIMEOUT (default 180 s), then WebSocket
# 360 s, the fan-out floor 60 s, REST 180 s and faults 120 s at most: 15 minutes in all. Cleans
# up on exit.
#
# Environment (defaults):
#   BIN_DIR=.build/release  RUN_DIR=.run  BENCH_TIMEOUT=180  WORKERS=2  DURATION=5  ROUNDS=3
#   HEALTH_WAIT=30 (s for the server to answer)  RING_TIMEOUT=60  STOP_WAIT=15 (s after SIGTERM)
#   FEED_SOURCE=replay (no network here; anything tterminal serve reads passes through)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN_DIR=${BIN_DIR:-$ROOT/.build/release}
RUN_DIR=${RUN_DIR:-$ROOT/.run}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-180}
WORKERS=${WORKERS:-2}
DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-3}
HEALTH_WAIT=${HEALTH_WAIT:-30}
RING_TIMEOUT=${RING_TIMEOUT:-60}
STOP_WAIT=${STOP_WAIT:-15}
export FEED_SOURCE=${FEED_SOURCE:-replay}

DEADLINE=$(( SECONDS + BENCH_TIMEOUT ))
remaining() { echo $(( DEADLINE - SECONDS )); }
log() { echo "bench: $*" >&2; }

mkdir -p "$RUN_DIR"
RING_OUT=$RUN_DIR/bench-ring.txt
HTTP_JSON=$RUN_DIR/bench-http.json
SERVER_LOG=$RUN_DIR/bench-server.log
RESULTS=$RUN_DIR/bench-results.json
rm -f "$RING_OUT" "$RING_OUT.err" "$HTTP_JSON"

SERVER_PID=
CHILD=
stop_server() {  # SIGTERM, wait up to STOP_WAIT, then SIGKILL the whole process group
  [ -n "$SERVER_PID" ] || return 0
  local t0=$SECONDS
  SERVER_EXITED_ITSELF=1
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    SERVER_EXITED_ITSELF=0
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 $(( STOP_WAIT * 10 ))); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$SERVER_PID" 2>/dev/null; then
      log "server did not exit within ${STOP_WAIT}s of SIGTERM; killing its process group"
      SERVER_KILLED=1
      kill -KILL -- "-$SERVER_PID" 2>/dev/null || kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
  fi
  SERVER_RC=0; wait "$SERVER_PID" 2>/dev/null || SERVER_RC=$?
  SERVER_STOP_S=$(( SECONDS - t0 ))
  # Children that outlived the supervisor (they share its process group).
  kill -KILL -- "-$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
}
cleanup() {
  [ -n "$CHILD" ] && kill -TERM "$CHILD" 2>/dev/null && wait "$CHILD" 2>/dev/null || true
  stop_server
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM

# Runs a command bounded by min($1, time left), in the background so signals are handled
# at once. Sets RC.
run_bounded() {
  local limit=$1; shift
  local left; left=$(remaining)
  [ "$left" -lt "$limit" ] && limit=$left
  if [ "$limit" -le 0 ]; then log "no time left for: $*"; RC=124; return; fi
  timeout -k 5 "$limit" "$@" &
  CHILD=$!
  RC=0; wait "$CHILD" || RC=$?
  CHILD=
}

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

echo "== tterminal bench $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(nproc) cores, $(uname -r)"
status=0

# ---- 1. ring
echo "== ring"
RING_STATUS=missing
if [ -x "$BIN_DIR/tterminal-bench" ]; then
  run_bounded "$RING_TIMEOUT" "$BIN_DIR/tterminal-bench" ring --json > "$RING_OUT" 2>"$RING_OUT.err" || true
  cat "$RING_OUT.err" "$RING_OUT"
  if [ "$RC" = 0 ]; then RING_STATUS=ok
  else RING_STATUS="failed (exit $RC)"; echo "ring bench failed (exit $RC)"; fi
else
  echo "ring bench missing ($BIN_DIR/tterminal-bench)"
fi

# ---- 1b. Binance frame parsing (the recorded frames shipped in fixtures/binance/hftbacktest)
echo "== parse"
PARSE_OUT=$RUN_DIR/bench-parse.txt
PARSE_STATUS=missing
if [ -x "$BIN_DIR/tterminal-parse-bench" ]; then
  frames=("$ROOT"/fixtures/binance/hftbacktest/*.gz)
  run_bounded "$RING_TIMEOUT" "$BIN_DIR/tterminal-parse-bench" --repeat 5 --json "${frames[@]}" > "$PARSE_OUT" 2>"$PARSE_OUT.err" || true
  cat "$PARSE_OUT.err" "$PARSE_OUT"
  if [ "$RC" = 0 ]; then PARSE_STATUS=ok
  else PARSE_STATUS="failed (exit $RC)"; echo "parse bench failed (exit $RC)"; fi
else
  echo "parse bench missing ($BIN_DIR/tterminal-parse-bench)"
fi
export PARSE_OUT PARSE_STATUS

# ---- 1c. the live feed: receive→ring-publish latency with the simulator
echo "== feed"
if BIN_DIR="$BIN_DIR" RUN_DIR="$RUN_DIR" timeout 60 "$ROOT/scripts/bench-feed.sh"; then :; else echo "feed bench failed (exit $?)"; fi

# ---- 2. HTTP: tterminal serve vs nginx
echo "== http"
HTTP_STATUS=skipped
SERVER_RC=; SERVER_STOP_S=; SERVER_KILLED=0; SERVER_EXITED_ITSELF=0
if [ ! -x "$BIN_DIR/tterminal" ]; then
  echo "tterminal missing ($BIN_DIR/tterminal)"; HTTP_STATUS=missing; status=1
else
  PORT=$(free_port) || { log "no free port"; exit 1; }
  URL="http://127.0.0.1:$PORT/api/v1/health"
  log "starting tterminal serve on 127.0.0.1:$PORT with $WORKERS workers (log $SERVER_LOG)"
  # setsid: the server leads its own process group, so a stuck tree can be killed whole.
  PORT=$PORT HOST=127.0.0.1 WORKERS=$WORKERS RATE_LIMIT_RPS=0 setsid "$BIN_DIR/tterminal" serve > "$SERVER_LOG" 2>&1 &
  SERVER_PID=$!
  up=0
  for _ in $(seq 1 $(( HEALTH_WAIT * 5 ))); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    code=$(curl -s --max-time 1 -o /dev/null -w '%{http_code}' "$URL" || true)
    if [ "$code" = 200 ]; then up=1; break; fi
    [ "$(remaining)" -gt 0 ] || break
    sleep 0.2
  done
  if [ "$up" != 1 ]; then
    echo "tterminal did not answer 200 on $URL within ${HEALTH_WAIT}s; last lines of its log:"
    tail -n 30 "$SERVER_LOG" | sed 's/^/  /'
    HTTP_STATUS=server-down; status=1
  else
    # Keep ~25 s for stopping the server and writing results; shrink the runs if needed.
    budget=$(( $(remaining) - STOP_WAIT - 10 ))
    per_run=$(( budget / (2 * ROUNDS) - 3 ))
    if [ "$per_run" -lt "$DURATION" ]; then
      [ "$per_run" -ge 2 ] || per_run=2
      log "only ${budget}s left: wrk runs shortened to ${per_run}s"; DURATION=$per_run
    fi
    run_bounded "$budget" env URL="$URL" WORKERS="$WORKERS" DURATION="$DURATION" ROUNDS="$ROUNDS" TTERMINAL="$BIN_DIR/tterminal" \
      JSON_OUT="$HTTP_JSON" "$ROOT/scripts/bench-http.sh"
    if [ "$RC" = 0 ] && [ -s "$HTTP_JSON" ]; then HTTP_STATUS=ok; else HTTP_STATUS="failed (exit $RC)"; echo "http bench failed (exit $RC)"; status=1; fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "tterminal exited during the benchmark; last lines of its log:"; tail -n 30 "$SERVER_LOG" | sed 's/^/  /'
      status=1
    fi
  fi
  stop_server
  if [ "$SERVER_EXITED_ITSELF" = 1 ]; then
    echo "server: had already exited by itself, exit code $SERVER_RC"
  else
    echo "server: exit code $SERVER_RC after SIGTERM, stopped in ${SERVER_STOP_S}s$([ "$SERVER_KILLED" = 1 ] && echo ', had to be killed')"
  fi
  if [ "$SERVER_KILLED" = 1 ]; then status=1; fi
fi

# ---- 2b. WebSocket fan-out: tterminal loadtest ws against servers fed by the simulator
# (scripts/bench-ws.sh starts and stops its own; at most 6 minutes; writes $RUN_DIR/bench-ws.json)
echo "== websocket"
if BIN_DIR="$BIN_DIR" RUN_DIR="$RUN_DIR" timeout -k 10 360 "$ROOT/scripts/bench-ws.sh"; then :; else echo "websocket bench failed (exit $?)"; fi
# The harness's own user-space cost per trade message (frame scan, message scan, histogram,
# id accounting), on one core without sockets: what the harness adds above the kernel's copy.
if [ -x "$BIN_DIR/tterminal-harness-bench" ]; then
  timeout 60 "$BIN_DIR/tterminal-harness-bench" --repeat 400 || echo "harness bench failed (exit $?)"
fi

# ---- 2b'. The floor under those figures: the same fan-outs with nothing of tterminal in the
# way (plain loopback TCP: a tick stamped, one send per connection through io_uring, a reader
# taking the kernel's arrival stamps), on the same two cores. Writes $RUN_DIR/bench-floor.json.
FLOOR_OUT=$RUN_DIR/bench-floor.json
rm -f "$FLOOR_OUT"
if [ -x "$BIN_DIR/tterminal-fanout-floor" ]; then
  echo "== fan-out floor"
  for shape in "a:--connections 1000 --rate 100 --senders 1" "a2:--connections 1000 --rate 100 --senders 2" \
               "b:--connections 10000 --rate 20 --senders 2 --sources 127.0.8.1-127.0.8.10" \
               "c:--connections 1000 --rate 200 --batch 10 --senders 2"; do
    # shellcheck disable=SC2086
    if out=$(timeout -k 2 14 "$BIN_DIR/tterminal-fanout-floor" ${shape#*:} --seconds 4 --uring --json); then
      echo "${shape%%:*}: $(echo "$out" | head -n 1)"
      echo "$out" | tail -n 1 | python3 -c 'import json,sys; d=json.load(sys.stdin); d["shape"]=sys.argv[1]; print(json.dumps(d))' "${shape%%:*}" >> "$FLOOR_OUT"
    else
      echo "fan-out floor ${shape%%:*} failed (exit $?)"
    fi
  done
fi

# ---- 2c. REST routes the charts load from, against nginx (scripts/bench-rest.sh: its own
# simulator and server; writes $RUN_DIR/bench-rest.json)
echo "== rest"
if BIN_DIR="$BIN_DIR" RUN_DIR="$RUN_DIR" WORKERS="$WORKERS" timeout -k 10 180 "$ROOT/scripts/bench-rest.sh"; then :; else echo "rest bench failed (exit $?)"; fi

# ---- 2d. faults during a WebSocket run (scripts/bench-faults.sh: its own simulator and server;
# writes $RUN_DIR/bench-faults.json)
echo "== faults"
if BIN_DIR="$BIN_DIR" RUN_DIR="$RUN_DIR" timeout -k 10 120 "$ROOT/scripts/bench-faults.sh"; then :; else echo "fault bench failed (exit $?)"; fi

# ---- 3. summary
RING_STATUS=$RING_STATUS HTTP_STATUS=$HTTP_STATUS SERVER_RC=$SERVER_RC SERVER_STOP_S=$SERVER_STOP_S \
SERVER_KILLED=$SERVER_KILLED SERVER_EXITED_ITSELF=$SERVER_EXITED_ITSELF RING_OUT=$RING_OUT HTTP_JSON=$HTTP_JSON RESULTS=$RESULTS ROOT=$ROOT \
RUN_DIR=$RUN_DIR \
WORKERS=$WORKERS python3 - <<'EOF'
import json, os, subprocess, time

def parse_json_text(text):
    text = text.strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        pass
    lines = []
    for line in text.splitlines():
        try:
            lines.append(json.loads(line))
        except ValueError:
            pass
    if lines:
        return lines[0] if len(lines) == 1 else lines
    return {"raw": text}

def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""

env = os.environ
try:
    commit = subprocess.run(["git", "-C", env["ROOT"], "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True, timeout=5).stdout.strip() or None
except Exception:
    commit = None
num = lambda s: int(s) if s not in (None, "") else None
result = {
    "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    "git_commit": commit,
    "cores": os.cpu_count(),
    "workers": int(env["WORKERS"]),
    "ring": {"status": env["RING_STATUS"], "result": parse_json_text(read(env["RING_OUT"]))},
    "parse": {"status": env["PARSE_STATUS"], "result": parse_json_text(read(env["PARSE_OUT"]))},
    "http": {"status": env["HTTP_STATUS"], "result": parse_json_text(read(env["HTTP_JSON"]))},
    "feed": parse_json_text(read(os.path.join(env["RUN_DIR"], "bench-feed.json"))),
    "websocket": parse_json_text(read(os.path.join(env["RUN_DIR"], "bench-ws.json"))),
    "rest": parse_json_text(read(os.path.join(env["RUN_DIR"], "bench-rest.json"))),
    "floor": parse_json_text(read(os.path.join(env["RUN_DIR"], "bench-floor.json"))),
    "faults": parse_json_text(read(os.path.join(env["RUN_DIR"], "bench-faults.json"))),
    "server": {"exit_code": num(env.get("SERVER_RC")), "stop_seconds": num(env.get("SERVER_STOP_S")),
               "killed": env.get("SERVER_KILLED") == "1",
               "exited_by_itself": env.get("SERVER_EXITED_ITSELF") == "1"},
}
with open(env["RESULTS"], "w") as f:
    json.dump(result, f, indent=2)
    f.write("\n")

# One table of the headline figures (what is missing says so).
def get(d, *path):
    for key in path:
        if not isinstance(d, dict) or key not in d:
            return None
        d = d[key]
    return d

def fmt(v, unit="", scale=1, digits=0):
    if v is None:
        return "-"
    v = v * scale
    text = f"{v:,.{digits}f}"
    return text + unit

ring, http, feed, ws = get(result, "ring", "result"), get(result, "http", "result"), result["feed"], result["websocket"] or {}
rest = result["rest"] if isinstance(result["rest"], list) else [result["rest"]] if result["rest"] else []
def route(fragment):
    return next((r for r in rest if isinstance(r, dict) and fragment in r.get("url", "")), None)
candles, latest = route("/aggregation/candles/"), route("/latest")
def rest_rows(name, r):
    return [
        (f"REST {name}: req/s (nginx), ratio", f'{fmt(get(r, "tterminal", "rps"))} ({fmt(get(r, "nginx", "rps"))}), {fmt(get(r, "ratio_rps"), digits=2)}'),
        (f"REST {name}: p99 at half load (nginx)", f'{fmt(get(r, "open_loop", "tterminal", "p99_us"), " ms", 1e-3, 2)} ({fmt(get(r, "open_loop", "nginx", "p99_us"), " ms", 1e-3, 2)})'),
    ]
floors = [f for f in (result["floor"] if isinstance(result["floor"], list) else [result["floor"]] if result["floor"] else [])
          if isinstance(f, dict) and "shape" in f]
rows = [
    ("ring: writer records/s", fmt(get(ring, "writer_records_per_s"))),
    ("ring: paced 10 M/s, readers' misses", fmt(sum(r.get("missed", 0) for r in get(ring, "paced_reader_figures") or []) if ring else None)),
    ("ring: publish → observe p50 / p99", f'{fmt(get(ring, "publish_observe_p50_ns"), " µs", 1e-3, 1)} / {fmt(get(ring, "publish_observe_p99_ns"), " µs", 1e-3, 1)}'),
    ("feeder: frames parsed/s", fmt(get(result, "parse", "result", "frames_per_s"))),
    ("feeder: receive → publish p50 / p99", f'{fmt(get(feed, "publish_latency_p50_us"), " µs", digits=1)} / {fmt(get(feed, "publish_latency_p99_us"), " µs", digits=1)}'),
    ("REST health: req/s (nginx)", f'{fmt(get(http, "tterminal", "rps"))} ({fmt(get(http, "nginx", "rps"))})'),
    ("REST health: p99 (nginx)", f'{fmt(get(http, "tterminal", "p99_ms"), " ms", digits=2)} ({fmt(get(http, "nginx", "p99_ms"), " ms", digits=2)})'),
    *rest_rows("candles 1m ×500", candles),
    *rest_rows("latest candle", latest),
    ("WS a: 1k conns × 100/s, p99", fmt(get(ws, "a", "latency_us", "p99"), " ms", 1e-3, 2)),
    ("WS a2: the same on 2 workers, p99", fmt(get(ws, "a2", "latency_us", "p99"), " ms", 1e-3, 2)),
    ("WS b: 10k conns × 20/s, p99", fmt(get(ws, "b", "latency_us", "p99"), " ms", 1e-3, 1)),
    ("WS b: trades missing", fmt(get(ws, "b", "sequence", "missing_ids"))),
    ("WS c: deliveries per worker CPU-s", fmt(get(ws, "c", "cpu", "deliveries_per_worker_cpu_s"))),
    ("WS c: harness CPU / server CPU", fmt(get(ws, "c", "cpu", "harness_over_server"), digits=2)),
    ("WS d: bytes per idle connection", fmt(get(ws, "d", "worker_memory", "private_dirty_per_connection"), " B")),
    ("WS e: 50k open / receiving", f'{fmt(get(ws, "e", "connections", "open_at_end"))} / {fmt(get(ws, "e", "sequence", "clients_with_trade"))}'),
    *[(f"floor {f['shape']}: bare TCP p99, as {f['shape']}", fmt(f.get("p99_us"), " ms", 1e-3, 2))
      for f in floors if f.get("shape") in ("a", "a2", "b")],
    *[("floor c: bare reader CPU / sender CPU", fmt(f.get("reader_over_sender_cpu"), digits=2))
      for f in floors if f.get("shape") == "c"],
    ("WS a–e: host steal (s, per scenario)", " / ".join(fmt(get(ws, n, "bench", "host_steal_s"), digits=1) for n in "abcde")),
    *[(f'recovery after {f.get("spec", "?").split("@")[0]}: max (lost ids)',
       f'{fmt(get(f, "recovery_ms", "max"), " ms")} ({fmt(get(f, "unrecovered_missing_ids"))})')
      for f in (get(result, "faults", "faults") or [])],
]
width = max(len(r[0]) for r in rows)
print(f"== summary ({result['timestamp']}, commit {result['git_commit']}, {result['cores']} cores)")
for name, value in rows:
    print(f"{name.ljust(width)}  {value}")
EOF
echo "== results: $RESULTS"
exit "$status"
