"""The summary of scripts/bench-ws.sh: one line per scenario from its bench-ws-<s>.json, and
all of them in one JSON file. A scenario whose loadtest wrote no report is reported as failed.

Usage: bench_ws_summary.py RUN_DIR OUT_JSON "a b c"
"""
import json, os, sys
run_dir, out, names = sys.argv[1], sys.argv[2], sys.argv[3].split()
result = {}
for n in names:
    try:
        result[n] = json.load(open(os.path.join(run_dir, "bench-ws-%s.json" % n)))
    except (OSError, ValueError):
        result[n] = None
json.dump(result, open(out, "w"), indent=1)
def f(v, fmt="%.0f"):
    return "-" if v is None else fmt % v
for n, r in result.items():
    if not r:
        print("ws %s: no result" % n); continue
    if "connections" not in r:
        # The scenario step adds "bench" even when loadtest wrote no report (it exited first).
        print("ws %s: FAILED, loadtest wrote no report (exit %s)" % (n, r.get("bench", {}).get("exit_code", "?"))); continue
    c, d, l, q, cpu, m, b = (r["connections"], r["deliveries"], r["latency_us"], r["sequence"], r["cpu"],
                             r["worker_memory"], r["bench"])
    open_clients = c["open_at_window_start"] or 1
    per_client = (d["per_s"] or 0) / open_clients
    print("ws %s: %d/%d open (%s failed, %s dropped), %s deliveries/s (%.1f per client; simulator offered %.1f trades/s),"
          " p50 %s p99 %s p99.9 %s max %s us; missing %d dup %d notices %d; %d clients got >=1 trade;"
          " workers %s cpu-s, %s deliveries/worker-cpu-s, harness/server cpu %s; worker private dirty %s B/conn;"
          " host steal %s s; exit %d"
          % (n, c["open_at_end"], c["target"], c["failed"], c["dropped_after_open"], f(d["per_s"]), per_client,
             b["offered_trades_per_s_measured"], l["p50"], l["p99"], l["p99_9"], l["max"], q["missing_ids"],
             q["duplicate_ids"], q["gap_notices"], q["clients_with_trade"], f(cpu["workers_s"], "%.2f"),
             f(cpu["deliveries_per_worker_cpu_s"]), f(cpu["harness_over_server"], "%.3f"),
             f(m["private_dirty_per_connection"]), f(b.get("host_steal_s"), "%.2f"), b["exit_code"]))
