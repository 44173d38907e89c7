# Shell helpers shared by the bench scripts (sourced, not run).

# CPU seconds used so far (user + system) by each role on the machine: node processes, Cassandra,
# the Gatling JVMs and the Maven JVMs that launched them. Differences between two samples say where a
# phase's CPU went.
cpu_by_role() {
  local tck; tck=$(getconf CLK_TCK)
  for d in /proc/[0-9]*; do
    [ -r "$d/cmdline" ] || continue
    local cmd; cmd=$(tr '\0' ' ' <"$d/cmdline" 2>/dev/null) || continue
    local role=""
    case "$cmd" in
      *pulse-node.jar*) role=node ;;
      *CassandraDaemon*) role=cassandra ;;
      *io.gatling.app.Gatling*) role=gatling ;;
      *plexus-classworlds*) role=maven ;;
    esac
    [ -n "$role" ] || continue
    awk -v r="$role" -v t="$tck" '{print r, ($14+$15)/t}' "$d/stat" 2>/dev/null
  done | awk '{s[$1]+=$2} END {for (r in s) printf "%s=%.0f ", r, s[r]; print ""}'
}
cpu_delta() { # "before" "after" -> per-role CPU seconds and share of the machine over SECONDS
  awk -v a="$1" -v b="$2" -v secs="$3" -v cores="$(nproc)" 'BEGIN {
    n=split(a, x, " "); for (i=1;i<=n;i++) { split(x[i], kv, "="); A[kv[1]]=kv[2] }
    n=split(b, y, " "); for (i=1;i<=n;i++) { split(y[i], kv, "="); printf "%s %.0f s (%.0f%% of the machine)  ", kv[1], kv[2]-A[kv[1]], 100*(kv[2]-A[kv[1]])/(secs*cores) }
    print "" }'
}

# Waits until the node at URL answers /ready, or fails if process PID died first.
await_ready() {
  until curl -sf "$1/ready" >/dev/null; do
    kill -0 "$2" 2>/dev/null || { echo "the node did not start; see its log" >&2; return 1; }
    sleep 0.5
  done
}
