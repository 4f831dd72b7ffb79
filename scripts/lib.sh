# Shared helpers for the scripts in this folder (sourced, not run).

# A port below the kernel's ephemeral range (so no outgoing connection holds it) that no
# socket in any state uses. Prints it, or returns 1.
free_port() {
  local p lo=20000 hi
  read -r hi _ < /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || hi=32768
  [ "$hi" -gt $(( lo + 1000 )) ] || { lo=40000; hi=65000; }
  for _ in $(seq 1 200); do
    p=$(( lo + RANDOM % (hi - lo) ))
    if ! ss -Htan "sport = :$p" | grep -q .; then echo "$p"; return 0; fi
  done
  return 1
}

# A simulator ($SIM) and a server ($SERVE, its own process group) started by a bench script:
# TERM, then KILL (the server's whole group) if they linger.
stop_all() {
  if [ -n "$SERVE" ]; then
    kill -TERM "$SERVE" 2>/dev/null || true
    timeout 15 tail --pid="$SERVE" -f /dev/null 2>/dev/null || kill -KILL -- "-$SERVE" 2>/dev/null || true
    wait "$SERVE" 2>/dev/null || true
    SERVE=
  fi
  if [ -n "$SIM" ]; then
    kill -TERM "$SIM" 2>/dev/null || true
    timeout 10 tail --pid="$SIM" -f /dev/null 2>/dev/null || kill -KILL "$SIM" 2>/dev/null || true
    wait "$SIM" 2>/dev/null || true
    SIM=
  fi
}

# A field of the simulator's ready line ($READY).
field() { sed -E "s/.*\"$1\":\"([^\"]*)\".*/\1/" "$READY"; }
