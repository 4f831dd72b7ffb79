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
