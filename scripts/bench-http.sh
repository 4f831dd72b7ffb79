#!/usr/bin/env bash
# bench-http.sh — compare a running tterminal's health endpoint with nginx serving a body of
# the same size, under the same wrk load, alternating targets to spread out noise.
#
#   URL=http://127.0.0.1:8080/api/v1/health scripts/bench-http.sh
#   scripts/bench-http.sh http://127.0.0.1:8080/api/v1/health
#
# Environment (defaults):
#   URL          the tterminal endpoint (or first argument)
#   WORKERS=2    nginx worker_processes (use the number of tterminal workers)
#   DURATION=10  seconds per wrk run
#   THREADS=2    wrk threads       CONNECTIONS=100  wrk connections
#   ROUNDS=2     rounds of (nginx, tterminal)
#   JSON_OUT=    also write the JSON summary line to this file
#   REST=1       also run `tterminal loadtest rest` (open loop) against both at half of
#                tterminal's wrk rate and print p50/p99 on stderr; TTERMINAL= the binary
#                (default .build/release/tterminal), REST_DURATION=10, REST_CONNECTIONS=50
#
# Output: a table on stdout, then one JSON line starting with '{"bench":"http"'.
# Everything stays on 127.0.0.1. Exit status is non-zero if any wrk run gave no result.
set -euo pipefail

URL=${URL:-${1:-}}
WORKERS=${WORKERS:-2}
DURATION=${DURATION:-10}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-100}
ROUNDS=${ROUNDS:-2}
JSON_OUT=${JSON_OUT:-}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}

die() { echo "bench-http: $*" >&2; exit 1; }
[ -n "$URL" ] || die "set URL (e.g. http://127.0.0.1:8080/api/v1/health)"
[[ "$URL" =~ ^http://(127\.[0-9.]+|localhost|\[::1\])(:[0-9]+)?(/.*)?$ ]] \
  || die "URL must be a loopback http:// address: $URL"
PATH_PART=${BASH_REMATCH[3]:-/}
# nginx matches the location on the path alone; the query string rides along in its URL.
LOCATION=${PATH_PART%%\?*}
for tool in curl wrk awk "$NGINX"; do command -v "$tool" >/dev/null || die "missing $tool (make deps)"; done
case "$WORKERS" in ''|*[!0-9]*|0) WORKERS=$(nproc) ;; esac

TMP=$(mktemp -d /tmp/tterminal-bench-http.XXXXXX)
NGINX_PID_FILE=$TMP/nginx.pid
WRK_PID=
cleanup() {
  local pid
  [ -n "$WRK_PID" ] && kill -TERM "$WRK_PID" 2>/dev/null && wait "$WRK_PID" 2>/dev/null || true
  if [ -s "$NGINX_PID_FILE" ] && pid=$(cat "$NGINX_PID_FILE") && kill -0 "$pid" 2>/dev/null; then
    kill -QUIT "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# ---- 1. the body tterminal answers with, and an nginx body of exactly the same size
code=$(curl -sS --max-time 5 -o "$TMP/body" -w '%{http_code}' "$URL") || die "cannot fetch $URL"
[ "$code" = 200 ] || die "$URL answered $code"
BODY_BYTES=$(wc -c < "$TMP/body")
# nginx serves the very bytes tterminal answered with, as a static file (sendfile, open file cache).
mkdir -p "$TMP/static"
cp "$TMP/body" "$TMP/static/body.json"
BODY_KIND=same

# ---- 2. nginx, private prefix and config
NGINX_PORT=$(free_port) || die "no free port found"
NGINX_URL="http://127.0.0.1:$NGINX_PORT$PATH_PART"
mkdir -p "$TMP/logs"
if [ "$(id -u)" = 0 ]; then USER_LINE="user root;"; else USER_LINE=""; fi
cat > "$TMP/nginx.conf" <<EOF
$USER_LINE
worker_processes $WORKERS;
pid $NGINX_PID_FILE;
error_log $TMP/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $TMP/body_tmp;
    proxy_temp_path $TMP/proxy_tmp;
    fastcgi_temp_path $TMP/fastcgi_tmp;
    uwsgi_temp_path $TMP/uwsgi_tmp;
    scgi_temp_path $TMP/scgi_tmp;
    keepalive_timeout 65;
    sendfile on;
    tcp_nopush on;
    open_file_cache max=16 inactive=600s;
    open_file_cache_valid 600s;
    etag off;
    keepalive_requests 100000000;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        location = $LOCATION {
            default_type application/json;
            alias $TMP/static/body.json;
        }
    }
}
EOF
"$NGINX" -t -q -p "$TMP" -e "$TMP/logs/error.log" -c "$TMP/nginx.conf" || die "nginx config rejected"
"$NGINX" -p "$TMP" -e "$TMP/logs/error.log" -c "$TMP/nginx.conf" || die "nginx did not start"
for i in $(seq 1 50); do
  [ "$(curl -s --max-time 1 -o /dev/null -w '%{http_code}' "$NGINX_URL" || true)" = 200 ] && break
  [ "$i" = 50 ] && die "nginx did not answer on $NGINX_URL"
  sleep 0.1
done
NGINX_BODY_BYTES=$(curl -s --max-time 2 "$NGINX_URL" | wc -c)
[ "$NGINX_BODY_BYTES" = "$BODY_BYTES" ] || die "nginx body is $NGINX_BODY_BYTES bytes, tterminal's $BODY_BYTES"

# ---- 3. alternate wrk runs
# wrk prints latencies like 812.00us, 1.23ms, 2.00s; convert to milliseconds.
to_ms() { awk -v v="$1" 'BEGIN {
  n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
  if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
  printf "%.3f", n }'; }

failed=0
RESULTS=()   # "target round rps p50 p99 errors"
run_wrk() {  # target url round
  local target=$1 url=$2 round=$3 out rps p50 p99 errs non2xx
  out=$TMP/wrk-$target-$round.txt
  # In the background and waited for, so a TERM to this script is handled at once.
  timeout $(( DURATION + 30 )) wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$url" \
    > "$out" 2>&1 &
  WRK_PID=$!
  wait "$WRK_PID" || true
  WRK_PID=
  rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
  p50=$(awk '$1 == "50%" { print $2 }' "$out")
  p99=$(awk '$1 == "99%" { print $2 }' "$out")
  errs=$(awk '/Socket errors:/ { gsub(/,/, ""); print $4 + $6 + $8 + $10 }' "$out")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out")
  errs=$(( ${errs:-0} + ${non2xx:-0} ))
  if [ -z "$rps" ] || [ -z "$p50" ] || [ -z "$p99" ]; then
    echo "bench-http: wrk against $target gave no result:" >&2; sed 's/^/  /' "$out" >&2
    failed=1; RESULTS+=("$target $round null null null $errs"); return
  fi
  RESULTS+=("$target $round $rps $(to_ms "$p50") $(to_ms "$p99") $errs")
}

echo "bench-http: body $BODY_BYTES bytes ($BODY_KIND), nginx workers $WORKERS, wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, $ROUNDS rounds" >&2
for round in $(seq 1 "$ROUNDS"); do
  echo "bench-http: round $round: nginx" >&2;     run_wrk nginx "$NGINX_URL" "$round"
  echo "bench-http: round $round: tterminal" >&2; run_wrk tterminal "$URL" "$round"
done

# ---- 3b. open-loop latency: tterminal loadtest rest at half of tterminal's wrk rate, on both
REST_RESULTS=()
rest_p99() {  # target url rate -> "target rate achieved p50_us p99_us errors"
  local target=$1 url=$2 rate=$3 out
  out=$TMP/rest-$target.json
  timeout $(( REST_DURATION + 40 )) "$TTERMINAL" loadtest rest --quiet --url "${url%%/api/*}" --route "$PATH_PART" \
    --rate "$rate" --connections "$REST_CONNECTIONS" --duration "$REST_DURATION" --warmup 2 --json "$out" >/dev/null 2>&1 &
  WRK_PID=$!
  wait "$WRK_PID" || true
  WRK_PID=
  [ -s "$out" ] || { echo "bench-http: loadtest rest against $target gave no result" >&2; failed=1; return; }
  REST_RESULTS+=("$target $rate $(awk '{
    match($0, /"achieved_per_s":[0-9.]+/); a = substr($0, RSTART + 17, RLENGTH - 17)
    match($0, /"p50":[0-9]+/); p50 = substr($0, RSTART + 6, RLENGTH - 6)
    match($0, /"p99":[0-9]+/); p99 = substr($0, RSTART + 6, RLENGTH - 6)
    match($0, /"problems":\[[^]]*\]/); e = (RLENGTH > 13) ? 1 : 0
    printf "%.0f %s %s %d", a, p50, p99, e }' "$out")")
}
TTERMINAL=${TTERMINAL:-$(dirname "${BASH_SOURCE[0]}")/../.build/release/tterminal}
REST_DURATION=${REST_DURATION:-10}
REST_CONNECTIONS=${REST_CONNECTIONS:-50}
if [ -x "$TTERMINAL" ] && [ "${REST:-1}" = 1 ]; then
  half=$(printf '%s\n' "${RESULTS[@]}" | awk '$1 == "tterminal" && $3 != "null" { s += $3; n++ } END { if (n) printf "%.0f", s / n / 2 }')
  if [ -n "$half" ]; then
    echo "bench-http: loadtest rest at $half req/s (half of tterminal's wrk rate), $REST_CONNECTIONS connections, ${REST_DURATION}s" >&2
    rest_p99 nginx "$NGINX_URL" "$half"
    rest_p99 tterminal "$URL" "$half"
    printf '%-10s %10s %12s %10s %10s %8s\n' "open loop" "rate" "achieved" "p50 us" "p99 us" "problems" >&2
    for row in "${REST_RESULTS[@]}"; do printf '%-10s %10s %12s %10s %10s %8s\n' $row >&2; done
  fi
fi

# ---- 4. table and JSON
OPEN_LOOP=$(printf '%s\n' "${REST_RESULTS[@]:-}" | awk 'NF == 6 {
  printf "%s\"%s\":{\"rate\":%s,\"achieved\":%s,\"p50_us\":%s,\"p99_us\":%s,\"problems\":%s}", n++ ? "," : "", $1, $2, $3, $4, $5, $6 }')
printf '%s\n' "${RESULTS[@]}" | awk \
  -v url="$URL" -v bytes="$BODY_BYTES" -v kind="$BODY_KIND" -v workers="$WORKERS" -v open_loop="$OPEN_LOOP" \
  -v dur="$DURATION" -v thr="$THREADS" -v conn="$CONNECTIONS" -v json_out="$JSON_OUT" '
function num(x) { return x == "null" ? "null" : x }
{
  t = $1; rows[NR] = $0
  if ($3 != "null") { n[t]++; rps[t] += $3; p50[t] += $4; p99[t] += $5 }
  err[t] += $6
  r = sprintf("{\"round\":%d,\"rps\":%s,\"p50_ms\":%s,\"p99_ms\":%s,\"errors\":%d}", $2, num($3), num($4), num($5), $6)
  rounds[t] = rounds[t] (rounds[t] == "" ? "" : ",") r
}
END {
  printf "%-10s %6s %12s %10s %10s %8s\n", "target", "round", "req/s", "p50 ms", "p99 ms", "errors"
  for (i = 1; i <= NR; i++) {
    split(rows[i], f, " ")
    printf "%-10s %6s %12s %10s %10s %8s\n", f[1], f[2], f[3] == "null" ? "-" : sprintf("%.0f", f[3]), f[4], f[5], f[6]
  }
  for (k = 1; k <= 2; k++) {
    t = k == 1 ? "nginx" : "tterminal"
    if (n[t] > 0) { m_rps[t] = rps[t] / n[t]; m_p50[t] = p50[t] / n[t]; m_p99[t] = p99[t] / n[t] }
    printf "%-10s %6s %12s %10s %10s %8d\n", t, "mean",
      n[t] ? sprintf("%.0f", m_rps[t]) : "-", n[t] ? sprintf("%.3f", m_p50[t]) : "-",
      n[t] ? sprintf("%.3f", m_p99[t]) : "-", err[t]
  }
  ok = n["nginx"] > 0 && n["tterminal"] > 0 && m_rps["nginx"] > 0 && m_p99["nginx"] > 0
  ratio_rps = ok ? sprintf("%.3f", m_rps["tterminal"] / m_rps["nginx"]) : "null"
  ratio_p99 = ok ? sprintf("%.3f", m_p99["tterminal"] / m_p99["nginx"]) : "null"
  printf "ratio tterminal/nginx: req/s %s, p99 %s\n", ratio_rps, ratio_p99
  line = sprintf("{\"bench\":\"http\",\"url\":\"%s\",\"body_bytes\":%d,\"nginx_body\":\"%s\",\"workers\":%d,\"duration_s\":%d,\"threads\":%d,\"connections\":%d", url, bytes, kind, workers, dur, thr, conn)
  for (k = 1; k <= 2; k++) {
    t = k == 1 ? "nginx" : "tterminal"
    line = line sprintf(",\"%s\":{\"rps\":%s,\"p50_ms\":%s,\"p99_ms\":%s,\"errors\":%d,\"rounds\":[%s]}", t,
      n[t] ? sprintf("%.1f", m_rps[t]) : "null", n[t] ? sprintf("%.3f", m_p50[t]) : "null",
      n[t] ? sprintf("%.3f", m_p99[t]) : "null", err[t], rounds[t])
  }
  line = line sprintf(",\"ratio_rps\":%s,\"ratio_p99\":%s", ratio_rps, ratio_p99)
  line = line (open_loop != "" ? ",\"open_loop\":{" open_loop "}" : "") "}"
  print line
  if (json_out != "") { print line > json_out }
}'
exit "$failed"
