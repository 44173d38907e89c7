#!/usr/bin/env bash
# Issue figures for a single node, measured on this machine in one run:
#   cold start (fresh data dir, Cassandra included) and warm restart, command to /ready 200;
#   RSS of the node and of the Cassandra process at idle;
#   node heap per idle WebSocket (N connections from Gatling, live heap after a full GC, divided).
# Usage: bench/node-figures.sh [connections] [runs]      (after: mvn -q -DskipTests install)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-5000}
RUNS=${2:-3}
JAR=$ROOT/http/target/pulse-node.jar
WORK=$(mktemp -d /tmp/pulse-bench.XXXXXX)
export PULSE_HTTP_PORT=18080 PULSE_CASSANDRA_PORT=19042 PULSE_CASSANDRA_STORAGE_PORT=17000 PULSE_REMOTE_PORT=25599
export PULSE_CASSANDRA_DATA_DIR=$WORK/data/cassandra
NODE_PID=""

cleanup() { [ -n "$NODE_PID" ] && kill "$NODE_PID" 2>/dev/null && wait "$NODE_PID" 2>/dev/null; true; }
trap cleanup EXIT

now() { date +%s.%N; }
start_node() {
  (cd "$WORK" && exec java @"$ROOT/jvm.options" -jar "$JAR" >>"$WORK/node.log" 2>&1) &
  NODE_PID=$!
  local t0; t0=$(now)
  until curl -sf "http://127.0.0.1:$PULSE_HTTP_PORT/ready" >/dev/null; do
    kill -0 "$NODE_PID" 2>/dev/null || { echo "node died; see $WORK/node.log" >&2; exit 1; }
    sleep 0.1
  done
  ELAPSED=$(echo "$(now) - $t0" | bc)
}
stop_node() { kill -TERM "$NODE_PID"; wait "$NODE_PID" || true; NODE_PID=""; }
rss_kib() { awk '/VmRSS/{print $2}' "/proc/$1/status"; }
heap_used_kib() { jcmd "$1" GC.run >/dev/null; jcmd "$1" GC.heap_info | awk '/garbage-first heap/{for(i=1;i<=NF;i++) if($i=="used"){v=$(i+1); sub("K,?","",v); print v}}'; }
cassandra_pid() { pgrep -f "cassandra.storagedir=$PULSE_CASSANDRA_DATA_DIR" | head -1; }

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(java -version 2>&1 | head -1)"
for r in $(seq 1 "$RUNS"); do
  rm -rf "$WORK/data"
  start_node; cold=$ELAPSED; stop_node
  start_node; warm=$ELAPSED
  echo "run $r: cold start ${cold}s, warm restart ${warm}s"
  if [ "$r" -lt "$RUNS" ]; then stop_node; fi
done

sleep 5 # let start-up garbage and JIT settle before the idle readings
CPID=$(cassandra_pid)
echo "idle RSS: node $(( $(rss_kib "$NODE_PID") / 1024 )) MiB, cassandra $(( $(rss_kib "$CPID") / 1024 )) MiB"
H0=$(heap_used_kib "$NODE_PID")
R0=$(rss_kib "$NODE_PID")

(cd "$ROOT" && mvn -q -pl load-tests gatling:test -Dgatling.simulationClass=io.pulse.load.ConnectionCapacitySimulation \
   -Dpulse.url="http://127.0.0.1:$PULSE_HTTP_PORT" -Dusers="$N" -Dramp=60 -Dhold=120 >"$WORK/gatling.log" 2>&1) &
GATLING=$!
until [ "$(ss -Htn state established "( sport = :$PULSE_HTTP_PORT )" | wc -l)" -ge "$N" ]; do
  kill -0 $GATLING 2>/dev/null || { echo "gatling ended early; see $WORK/gatling.log" >&2; exit 1; }
  sleep 1
done
sleep 10
H1=$(heap_used_kib "$NODE_PID")
R1=$(rss_kib "$NODE_PID")
echo "open sockets: $(ss -Htn state established "( sport = :$PULSE_HTTP_PORT )" | wc -l)"
echo "live heap: idle ${H0} KiB, with $N connections ${H1} KiB => $(( (H1 - H0) * 1024 / N )) bytes/connection"
echo "RSS: idle ${R0} KiB, with $N connections ${R1} KiB => $(( (R1 - R0) * 1024 / N )) bytes/connection"
wait $GATLING && echo "gatling: no failed requests" || echo "gatling reported failures; see $WORK/gatling.log"
stop_node
echo "logs: $WORK"
