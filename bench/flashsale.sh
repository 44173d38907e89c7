#!/usr/bin/env bash
# A flash sale on one node: starts a Pulse node (embedded Cassandra, fresh data directory, a copy of
# the jar), then runs FlashSaleSimulation RUNS times (a new SKU each run), each as SHARDS Gatling
# processes started together, each on its own 127.0.0.x source address with its share of the
# waiting crowd; shard 0 also runs the purchasers and reads the server's final counts. Prints the
# machine's other heavy processes and load average before each run, each shard's report
# (target/flashsale-shard<i>.txt) and the CPU of each role over 10 s of selling. The node is stopped
# at the end, success or not.
# Usage: bench/flashsale.sh RUNS SHARDS [-Dprop=value ...]      (after: mvn -q -DskipTests install)
#   bench/flashsale.sh 3 2 -Dcrowd=19000 -Dbuckets=8
# One node holds at most ~19,700 sockets (20,000 open files per process): keep crowd + purchasers
# below that. The purchasers' closed loop exceeds the node's per-connection frame limit (50/s): it is
# raised here. PULSE_NODE_OPTS adds node JVM options after that.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
RUNS=${1:?runs}; SHARDS=${2:?load processes}; shift 2
start_bench_node sale 28480 26120 19642 17600
ARGS=("$@")
LEAD=$(prop lead 70); MAXSELL=$(prop maxSell 300)
echo "machine: $(nproc) cores, node on $("${PULSE_NODE_JAVA:-java}" -version 2>&1 | head -1); $SHARDS load processes; $*"
FAILED=0
for ((r=1; r<=RUNS; r++)); do
  RUN="s$r-$$"; SKU="sale-$RUN"
  rm -f "$ROOT"/load-tests/target/flashsale-shard*.txt
  echo "== run $r, before it:"; others_running $NODE $(pgrep -P $NODE | tr '\n' ' ')
  T0=$(date +%s)
  STARTS=$(( $(date +%s%3N) + LEAD * 1000 ))
  GPIDS=()
  for ((i=0; i<SHARDS; i++)); do
    (cd "$ROOT" && exec timeout $(( LEAD + MAXSELL + 300 )) mvn -q -pl load-tests gatling:test -Dgatling.simulationClass=io.pulse.load.FlashSaleSimulation \
       -Dpulse.url="http://127.0.0.1:$PULSE_HTTP_PORT" -Dpulse.sourceAddresses=127.0.0.$(( 11 + i )) \
       -Dshards="$SHARDS" -Dshard=$i -Drun="$RUN" -Dsku="$SKU" -DstartsAt=$STARTS "$@" >"$WORK/gatling-$r-$i.log" 2>&1) &
    GPIDS+=($!)
  done
  # 10 s of selling, from 3 s after the start
  sleep $(( (STARTS - $(date +%s%3N)) / 1000 + 3 ))
  C0=$(cpu_by_role); S0=$(date +%s)
  sleep 10
  C1=$(cpu_by_role); S1=$(date +%s)
  for ((i=0; i<SHARDS; i++)); do
    wait "${GPIDS[$i]}" || { echo "load process $i reported failures (log: $WORK/gatling-$r-$i.log)"; FAILED=1; }
  done
  GPIDS=()
  echo "== run $r ($(( $(date +%s) - T0 )) s), load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
  for ((i=0; i<SHARDS; i++)); do
    cat "$ROOT/load-tests/target/flashsale-shard$i.txt" 2>/dev/null || tail -20 "$WORK/gatling-$r-$i.log"
  done
  echo "cpu while selling ($(( S1 - S0 )) s): $(cpu_delta "$C0" "$C1" $(( S1 - S0 )))"
done
echo "logs: $WORK"
exit $FAILED
