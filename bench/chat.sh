#!/usr/bin/env bash
# Chat delivery on one node: starts a Pulse node (embedded Cassandra, fresh data directory), then runs
# ChatSimulation RUNS times, each as SHARDS Gatling processes started together (each its own share of
# the groups), merges their latency files with ChatReport and reports the CPU each process role used
# over the middle of the sending window (from 10 s after sending starts, for half the duration). The first run on a fresh node is slower (JIT, Cassandra warming up): quote the later
# ones. The node is stopped at the end, success or not.
# Usage: bench/chat.sh RUNS SHARDS [-Dprop=value ...]      (after: mvn -q -DskipTests install)
# PULSE_NODE_OPTS: more node JVM options; PULSE_NODE_JAVA: the node's java executable (default: java).
#   bench/chat.sh 3 3 -Dgroups=500 -DgroupSize=10 -DsendEvery=2 -Dduration=60 -Dramp=30
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
RUNS=${1:?runs}; SHARDS=${2:?load processes}; shift 2
WORK=$(mktemp -d /tmp/pulse-chat.XXXXXX)
cp "$ROOT/http/target/pulse-node.jar" "$WORK/pulse-node.jar"
export PULSE_HTTP_PORT=28080 PULSE_REMOTE_PORT=25720 PULSE_CASSANDRA_PORT=19242 PULSE_CASSANDRA_STORAGE_PORT=17200
export PULSE_CASSANDRA_DATA_DIR=$WORK/data/cassandra
(cd "$WORK" && exec "${PULSE_NODE_JAVA:-java}" @"$ROOT/jvm.options" ${PULSE_NODE_OPTS:-} -jar "$WORK/pulse-node.jar" >"$WORK/node.log" 2>&1) &
NODE=$!
GPIDS=()
cleanup() {
  for g in "${GPIDS[@]:-}"; do [ -n "$g" ] && kill "$g" 2>/dev/null || true; done
  kill $NODE 2>/dev/null && wait $NODE 2>/dev/null || true
}
trap cleanup EXIT
await_ready "http://127.0.0.1:$PULSE_HTTP_PORT" $NODE
REPORTS="$ROOT/load-tests/target"
prop() { local v=$2; for a in "${ARGS[@]}"; do case "$a" in -D$1=*) v=${a#-D$1=} ;; esac; done; echo "$v"; }
ARGS=("$@")
RAMP=$(prop ramp 30); SETTLE=$(prop settle 10); DURATION=$(prop duration 60)
echo "machine: $(nproc) cores, node on $("${PULSE_NODE_JAVA:-java}" -version 2>&1 | head -1); $SHARDS load processes; $*"
for ((r=1; r<=RUNS; r++)); do
  rm -f "$REPORTS"/chat-latency-shard*.txt "$REPORTS"/chat-latency.txt
  T0=$(date +%s)
  GPIDS=()
  for ((i=0; i<SHARDS; i++)); do
    (cd "$ROOT" && exec mvn -q -pl load-tests gatling:test -Dgatling.simulationClass=io.pulse.load.ChatSimulation \
       -Dpulse.url="http://127.0.0.1:$PULSE_HTTP_PORT" -Dshards="$SHARDS" -Dshard=$i -Drun="r$r$$" "$@" >"$WORK/gatling-$r-$i.log" 2>&1) &
    GPIDS+=($!)
  done
  # the simulation's clock starts when its JVMs do: wait for them, then for the sending window
  until [ "$(pgrep -fc io.gatling.app.Gatling || true)" -ge "$SHARDS" ]; do sleep 0.5; done
  sleep $(( RAMP + SETTLE + 10 ))
  C0=$(cpu_by_role); S0=$(date +%s)
  sleep $(( DURATION / 2 ))
  C1=$(cpu_by_role); S1=$(date +%s)
  for g in "${GPIDS[@]}"; do wait "$g" || echo "a load process reported failures (logs in $WORK)"; done
  GPIDS=()
  echo "== run $r ($(( $(date +%s) - T0 )) s)"
  if [ "$SHARDS" -gt 1 ]; then
    (cd "$ROOT" && mvn -q -pl load-tests exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.pulse.load.ChatReport)
  else
    cat "$REPORTS/chat-latency.txt" # one process writes the summary itself
  fi
  echo "cpu while sending ($(( S1 - S0 )) s): $(cpu_delta "$C0" "$C1" $(( S1 - S0 )))"
done
echo "logs: $WORK"
