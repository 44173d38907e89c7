#!/usr/bin/env bash
# Idle WebSocket capacity: start NODES Pulse nodes of one local cluster (one embedded Cassandra),
# open CONNECTIONS WebSockets spread over PROCESSES Gatling processes (each its own 127.0.0.x source
# address, each at most ~19,900 sockets: the per-process open-file limit), hold them, and report per
# node: sockets established, live heap before/after (after a full GC) and per connection; per Gatling
# process: failures.
# Usage: bench/capacity.sh NODES CONNECTIONS PROCESSES [RAMP_S] [HOLD_S]   (after: mvn -q -DskipTests install)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
NODES=${1:?nodes}; N=${2:?connections}; P=${3:?processes}; RAMP=${4:-120}; HOLD=${5:-180}
WORK=$(mktemp -d /tmp/pulse-capacity.XXXXXX)
# a copy, so that a build during the run cannot change the classes under a running node
cp "$ROOT/http/target/pulse-node.jar" "$WORK/pulse-node.jar"; JAR=$WORK/pulse-node.jar
export PULSE_CASSANDRA_PORT=19042 PULSE_CASSANDRA_STORAGE_PORT=17000 PULSE_CASSANDRA_DATA_DIR=$WORK/data/cassandra
PIDS=()
GPIDS=()
cleanup() {
  for g in "${GPIDS[@]:-}"; do [ -n "$g" ] && kill "$g" 2>/dev/null || true; done
  # the first node owns Cassandra: stop it last
  for ((i=${#PIDS[@]}-1; i>=0; i--)); do kill "${PIDS[$i]}" 2>/dev/null && wait "${PIDS[$i]}" 2>/dev/null || true; done
}
trap cleanup EXIT
heap_used_kib() { jcmd "$1" GC.run >/dev/null; jcmd "$1" GC.heap_info | awk '/garbage-first heap/{for(i=1;i<=NF;i++) if($i=="used"){v=$(i+1); sub("K,?","",v); print v}}'; }
sockets() { ss -Htn state established "( sport = :$1 )" | wc -l; }
. "$(dirname "$0")/lib.sh"

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(java -version 2>&1 | head -1); $NODES nodes, $N connections, $P load processes"
for ((i=0; i<NODES; i++)); do
  (cd "$WORK" && PULSE_REMOTE_PORT=$((25520+i)) PULSE_HTTP_PORT=$((18080+i)) exec java @"$ROOT/jvm.options" ${PULSE_NODE_OPTS:-} -Dconfig.resource=local-cluster.conf \
     -Dpekko.cluster.seed-nodes.0=pekko://pulse@127.0.0.1:25520 -jar "$JAR" >"$WORK/node$i.log" 2>&1) &
  PIDS+=($!)
  until curl -sf "http://127.0.0.1:$((18080+i))/ready" >/dev/null; do
    kill -0 "${PIDS[$i]}" 2>/dev/null || { echo "node $i died; see $WORK/node$i.log" >&2; exit 1; }
    sleep 0.5
  done
done
sleep 5
declare -A H0
for ((i=0; i<NODES; i++)); do H0[$i]=$(heap_used_kib "${PIDS[$i]}"); done

PER=$(( N / P ))
C0=$(cpu_by_role); T0=$(date +%s)
for ((j=0; j<P; j++)); do
  node=$(( j % NODES ))
  (cd "$ROOT" && exec mvn -q -pl load-tests gatling:test -Dgatling.simulationClass=io.pulse.load.ConnectionCapacitySimulation \
     -Dpulse.url="http://127.0.0.1:$((18080+node))" -Dpulse.sourceAddresses="127.0.0.$((10+j))" -Dpulse.userPrefix="cap$j" \
     -Dusers="$PER" -Dramp="$RAMP" -Dhold="$HOLD" -Dheartbeat=30 -Dgatling.jvmArgs=-Xmx${GATLING_HEAP:-3g} >"$WORK/gatling$j.log" 2>&1) &
  GPIDS+=($!)
done

total() { local t=0; for ((i=0; i<NODES; i++)); do t=$(( t + $(sockets $((18080+i))) )); done; echo $t; }
deadline=$(( $(date +%s) + RAMP + HOLD ))
until [ "$(total)" -ge $(( PER * P )) ] || [ "$(date +%s)" -gt "$deadline" ]; do sleep 2; done
sleep 10
C1=$(cpu_by_role); T1=$(date +%s)
echo "established: $(total) of $(( PER * P )) after $(( T1 - T0 )) s"
echo "cpu while connecting: $(cpu_delta "$C0" "$C1" $(( T1 - T0 )))"
for ((i=0; i<NODES; i++)); do
  s=$(sockets $((18080+i))); h=$(heap_used_kib "${PIDS[$i]}")
  per=$(( s > 0 ? (h - H0[$i]) * 1024 / s : 0 ))
  echo "node $i: $s sockets, live heap ${H0[$i]} -> $h KiB, $per bytes/connection, RSS $(( $(awk '/VmRSS/{print $2}' /proc/${PIDS[$i]}/status) / 1024 )) MiB"
done
failed=0
C2=$(cpu_by_role); T2=$(date +%s)
for ((j=0; j<P; j++)); do
  if wait "${GPIDS[$j]}"; then echo "load process $j: no failed requests"; else echo "load process $j: FAILURES (see $WORK/gatling$j.log)"; failed=1; fi
done
GPIDS=()
C3=$(cpu_by_role); T3=$(date +%s)
echo "cpu while holding (processes still running at the end): $(cpu_delta "$C2" "$C3" $(( T3 - T2 )))"
echo "logs: $WORK"
exit $failed
