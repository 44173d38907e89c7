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

# Heavy processes on the machine that are not this script's (other engineers build and test here):
# node, Cassandra, Gatling and Maven JVMs whose pid or parent is none of the pids given. Prints
# "none" or one "pid role" per line, and the load average, so that each run says what it ran beside.
others_running() {
  local mine=" $* " found=0
  for d in /proc/[0-9]*; do
    local pid=${d#/proc/} cmd ppid
    cmd=$( (tr '\0' ' ' <"$d/cmdline") 2>/dev/null) || continue
    case "$cmd" in
      *pulse-node.jar*|*CassandraDaemon*|*io.gatling.app.Gatling*|*plexus-classworlds*) ;;
      *) continue ;;
    esac
    ppid=$(awk '{print $4}' "$d/stat" 2>/dev/null) || continue
    case "$mine" in *" $pid "*|*" $ppid "*) continue ;; esac
    found=1
    echo "  other: pid $pid $(echo "$cmd" | grep -oE 'pulse-node.jar|CassandraDaemon|io.gatling.app.Gatling|plexus-classworlds' | head -1)"
  done
  [ $found = 1 ] || echo "  other heavy processes: none"
  echo "  load average: $(cut -d' ' -f1-3 /proc/loadavg)"
}

# Starts the node a bench run measures: a copy of the jar (a build during the run cannot change its
# classes) in a fresh temp directory with its own embedded Cassandra, on the given ports, with the
# per-connection frame limit raised so that closed-loop clients measure the entity, not the limiter
# (PULSE_NODE_OPTS adds node JVM options after that). Sets WORK and NODE; on exit stops the load
# processes in GPIDS, then the node. Waits until the node is ready.
# Usage: start_bench_node NAME HTTP_PORT REMOTE_PORT CASSANDRA_PORT CASSANDRA_STORAGE_PORT
start_bench_node() {
  WORK=$(mktemp -d "/tmp/pulse-$1.XXXXXX")
  cp "$ROOT/http/target/pulse-node.jar" "$WORK/pulse-node.jar"
  export PULSE_HTTP_PORT=${PULSE_HTTP_PORT:-$2} PULSE_REMOTE_PORT=${PULSE_REMOTE_PORT:-$3}
  export PULSE_CASSANDRA_PORT=${PULSE_CASSANDRA_PORT:-$4} PULSE_CASSANDRA_STORAGE_PORT=${PULSE_CASSANDRA_STORAGE_PORT:-$5}
  export PULSE_CASSANDRA_DATA_DIR=$WORK/data/cassandra
  local limits="-Dpulse.gateway.rate-limit.per-second=100000 -Dpulse.gateway.rate-limit.burst=100000"
  (cd "$WORK" && exec "${PULSE_NODE_JAVA:-java}" @"$ROOT/jvm.options" $limits ${PULSE_NODE_OPTS:-} -jar "$WORK/pulse-node.jar" >"$WORK/node.log" 2>&1) &
  NODE=$!
  GPIDS=()
  trap stop_bench_node EXIT
  await_ready "http://127.0.0.1:$PULSE_HTTP_PORT" $NODE
}

stop_bench_node() {
  for g in "${GPIDS[@]:-}"; do [ -n "$g" ] && kill "$g" 2>/dev/null || true; done
  kill $NODE 2>/dev/null && wait $NODE 2>/dev/null || true
}

# A -Dname=value among the script's arguments (ARGS), or the default: prop NAME DEFAULT
prop() { local v=$2; for a in "${ARGS[@]:-}"; do case "$a" in -D$1=*) v=${a#-D$1=} ;; esac; done; echo "$v"; }

# One Gatling run of simulation class SIM against the bench node: prints what else runs on the
# machine, waits for the simulation's start line (MARKER, a grep pattern), samples each role's CPU
# over the middle half of its window (RAMP + SETTLE + DURATION must be set), then prints REPORT, or
# the log's tail if the run wrote none. Sets FAILED=1 if the simulation failed.
# Usage: bench_run LABEL SIM MARKER REPORT LOG [-Dprop=value ...]
bench_run() {
  local label=$1 sim=$2 marker=$3 report=$4 log=$5; shift 5
  rm -f "$report"
  echo "== $label, before it:"; others_running $$ $NODE $(pgrep -P $NODE | tr '\n' ' ')
  local t0 c0 c1 s0 s1; t0=$(date +%s)
  (cd "$ROOT" && exec timeout $(( RAMP + SETTLE + DURATION + 300 )) mvn -q -pl load-tests gatling:test -Dgatling.simulationClass="$sim" \
     -Dpulse.url="http://127.0.0.1:$PULSE_HTTP_PORT" "$@" >"$log" 2>&1) &
  GPIDS=($!)
  until grep -q "$marker" "$log" 2>/dev/null || ! kill -0 ${GPIDS[0]} 2>/dev/null; do sleep 0.5; done
  sleep $(( RAMP + SETTLE + DURATION / 4 ))
  c0=$(cpu_by_role); s0=$(date +%s)
  sleep $(( DURATION / 2 ))
  c1=$(cpu_by_role); s1=$(date +%s)
  if ! wait "${GPIDS[0]}"; then echo "$label: the simulation failed (log: $log)"; FAILED=1; fi
  GPIDS=()
  echo "== $label ($(( $(date +%s) - t0 )) s), load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
  cat "$report" 2>/dev/null || tail -30 "$log"
  echo "cpu in mid-window ($(( s1 - s0 )) s): $(cpu_delta "$c0" "$c1" $(( s1 - s0 )))"
}
